//! The search filter tree of the reseller dialect, compiled to a parameterised SQL predicate over
//! the `s` rows of the search query (a sea-query expression). Values are always bound, never
//! spliced into the text.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::Value;
use sea_orm::sea_query::{Alias, BinOper, Cond, Expr, Func, Iden, JoinType, LikeExpr, Query, SimpleExpr};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    CompanyName,
    ResellerName,
    LicenseEndDate,
    CreateTime,
    TargetUserCount,
    LicenceExpired,
    Tags,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    Eq,
    Ne,
    Contains,
    Include,
    Gt,
    Lt,
    Ge,
    Le,
}

/// One thing wrong with a filter; a refused filter lists every one, in the order met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterProblem {
    SearchTextTooLong {
        max: usize,
    },
    NestedTooDeep {
        max: usize,
    },
    TooManyConditions {
        max: usize,
    },
    ValueTooLong {
        max: usize,
    },
    OperatorNotForField {
        operator: Operator,
        field: Field,
    },
    /// A date or time field's value is neither a day nor a timestamp.
    NotATime {
        field: Field,
        value: String,
    },
    /// A count's value (or one entry of its list) is not a whole number.
    NotAWholeNumber {
        field: Field,
        value: String,
    },
    NotTrueOrFalse {
        field: Field,
        value: String,
    },
    /// `Include` with no value in its list.
    EmptyList,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Filter {
    pub condition: Option<Condition>,
    /// Case-insensitive text matched against the company name.
    pub text: Option<String>,
    pub groups: Vec<FilterGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilterGroup {
    pub condition: Condition,
    pub items: Vec<FilterItem>,
    pub groups: Vec<FilterGroup>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilterItem {
    pub field: Field,
    pub operator: Operator,
    /// As sent; lists (for `Include`) are comma-separated.
    pub value: String,
}

/// Deepest nesting and most conditions accepted, so one request cannot build an enormous query.
const MAX_DEPTH: usize = 8;
const MAX_ITEMS: usize = 200;
/// Longest search text, in characters (names are at most 64). SQLite refuses `LIKE` patterns
/// over 50 000 bytes, and nothing longer than this can match anyway.
pub const MAX_SEARCH_TEXT: usize = 256;
/// Longest `Value` of one condition, in characters (an `Include` list holds several values).
pub const MAX_VALUE: usize = 4096;

/// Where in a filter a problem is: the search text, or a group or condition reached by the
/// indexes of the groups from the top (`groups[i].groups[j]...`) and, for a condition, its
/// index in the innermost group's items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Text,
    Group(Vec<usize>),
    Item(Vec<usize>, usize),
}

/// A problem with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlacedProblem {
    pub at: Place,
    pub problem: FilterProblem,
}

/// The columns of the rows a search filters (`s`: a company with its parent's name and its
/// kept counts; see [`super::key_rows`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum S {
    Table,
    Id,
    Name,
    ResellerName,
    CreateTime,
    LicenseEndDate,
    TargetUserCount,
    LimitExceeded,
}

impl Iden for S {
    fn unquoted(&self, s: &mut dyn std::fmt::Write) {
        let name = match self {
            Self::Table => "s",
            Self::Id => "id",
            Self::Name => "name",
            Self::ResellerName => "reseller_name",
            Self::CreateTime => "create_time",
            Self::LicenseEndDate => "license_end_date",
            Self::TargetUserCount => "target_user_count",
            Self::LimitExceeded => "limit_exceeded",
        };
        s.write_str(name).expect("writing an identifier");
    }
}

/// The column `column` of `s`.
pub(crate) fn s(column: S) -> SimpleExpr {
    Expr::col((S::Table, column)).into()
}

/// What holds for every row: an empty group keeps every row, also inside an `OR`.
fn always() -> SimpleExpr {
    Expr::cust("1 = 1")
}

/// A filter that is one condition the facets count (see [`Filter::counted`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Counted {
    /// Active target users compared with the values (one, or a list for `Include`).
    TargetUsers { operator: Operator, values: Vec<i64> },
    /// A time in one of the ranges `[from, to)` (either end open), or missing where `or_missing`.
    Time { key: TimeKey, ranges: Vec<TimeRange>, or_missing: bool },
    /// Tags (lower-cased) compared with the values (lower-cased; a list for `Include`).
    Tags { operator: Operator, values: Vec<String> },
    /// The parent's name (lower-cased, empty for none) compared with the values, as for tags.
    ResellerName { operator: Operator, values: Vec<String> },
    /// The company's lower-cased name contains `gram`, a text of one or two characters (see
    /// [`is_gram`]).
    NameGram { gram: String },
}

/// `[from, to)`; `None`: unbounded on that side.
pub(crate) type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A company's time a condition compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeKey {
    Created,
    LicenceEnd,
}

/// A filter compiled for one database.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub predicate: SimpleExpr,
    /// The whole predicate requires a name search of three characters or more, which the
    /// trigram index answers, so the matching names are the cheapest place for the query to start.
    pub narrowed: bool,
    /// Over links: the whole predicate requires a company name equal to one of a few, which the
    /// index of lower-cased names finds, so the links of those companies are the few candidates.
    pub anchored: bool,
}

pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// `column` (lower-cased) contains `text`, case-insensitively (see [`contains_value`]).
pub(crate) fn contains_text(sqlite: bool, column: SimpleExpr, text: &str) -> SimpleExpr {
    contains_value(sqlite, column, &contained(sqlite, text))
}

/// What [`contains_value`] binds for `text`: on SQLite the lower-cased text, on PostgreSQL the
/// `LIKE` pattern.
pub(crate) fn contained(sqlite: bool, text: &str) -> Value {
    Value::from(if sqlite { text.to_lowercase() } else { like_pattern(text) })
}

/// `column` (lower-cased) contains the text `value` was made of (see [`contained`]). PostgreSQL: a
/// `LIKE` pattern, which its trigram index serves. SQLite: `instr`, a plain substring test. SQLite
/// plans a statement again each time a different pattern is bound to a `LIKE`, to see whether an
/// index could serve the pattern's prefix (never here: the column is lower-cased); that re-planning
/// was a sixth of a name search's time. Both fold ASCII letters only on SQLite, so the answers are
/// the same.
fn contains_value(sqlite: bool, column: SimpleExpr, value: &Value) -> SimpleExpr {
    if sqlite {
        return Expr::expr(Func::cust(Alias::new("instr")).arg(column).arg(value.clone())).gt(0);
    }
    Expr::expr(column).like(LikeExpr::new(crate::statement::text(value)).escape('\\'))
}

/// Whether a company name searched for `text` is answered from the trigram index of names (three
/// characters or more make a trigram).
pub(crate) fn is_name_search(text: &str) -> bool {
    text.to_lowercase().chars().count() >= 3
}

/// Whether a company name `Contains` of `text` is answered from the names' grams (one or two
/// characters once lower-cased, as the condition compares them: too short for a trigram).
pub(crate) fn is_gram(text: &str) -> bool {
    (1..=2).contains(&text.to_lowercase().chars().count())
}

/// What a company name search for `text` binds, in order: what [`contains_value`] binds, then on
/// SQLite the FTS5 phrase (quoted, its own quotes doubled).
pub(crate) fn name_search_values(sqlite: bool, text: &str) -> Vec<Value> {
    let mut values = vec![contained(sqlite, text)];
    if sqlite {
        values.push(Value::from(format!("\"{}\"", text.to_lowercase().replace('"', "\"\""))));
    }
    values
}

/// The lower-cased company name `column` contains the text `values` were made of (see
/// [`name_search_values`]), answered from a trigram index: PostgreSQL's serves the `LIKE`; on
/// SQLite the FTS5 trigram table of names is asked too (it matches a superset: it folds case beyond
/// ASCII), so the query can start from the few matching names.
pub(crate) fn name_search_predicate(sqlite: bool, column: SimpleExpr, id: SimpleExpr, values: &[Value]) -> SimpleExpr {
    let matching = contains_value(sqlite, column, &values[0]);
    if !sqlite {
        return matching;
    }
    let (names, search) = (Alias::new("n"), Alias::new("cs"));
    let found = Query::select()
        .column((search.clone(), Alias::new("company_id")))
        .from_as(Alias::new("company_names"), names.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("company_search"),
            search.clone(),
            Expr::col((search, Alias::new("key"))).equals((names, Alias::new("rowid"))),
        )
        .and_where(Expr::col(Alias::new("company_names")).binary(BinOper::Custom("MATCH"), values[1].clone()))
        .to_owned();
    matching.and(Expr::expr(id).in_subquery(found))
}

/// The rows `s` a compiled predicate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rows {
    /// Companies with their parent's name (see `search::key_rows`).
    Companies,
    /// Links of the management tree (`company_tree`), which carry every key a filter compares.
    Links,
    /// Rows of the facet of active target users and tag set (`company_facets`, see
    /// `facet::TARGET_USERS_BY_TAG_SET`): only conditions on those two keys compile.
    TargetUsersByTagSet,
}

impl Rows {
    /// The company's id in a row `s`.
    fn id(self) -> SimpleExpr {
        match self {
            Self::Companies => s(S::Id),
            Self::Links => Expr::col((S::Table, Alias::new("descendant_id"))).into(),
            // No company on a facet's row: a condition that needs one does not compile there.
            Self::TargetUsersByTagSet => Expr::val(false).into(),
        }
    }
}

impl Filter {
    /// The text of a plain name search: the whole filter is one `Contains` on the company name (the
    /// search text, or the one condition of the one group) of three characters or more. Its
    /// statement differs from another's only in its values (see `search::name_search_page`).
    pub(crate) fn name_search(&self) -> Option<&str> {
        let text = self.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let text = match (text, self.groups.as_slice()) {
            (Some(text), []) => text,
            (None, [group]) => match (group.items.as_slice(), group.groups.as_slice()) {
                ([FilterItem { field: Field::CompanyName, operator: Operator::Contains, value }], []) => value,
                _ => return None,
            },
            _ => return None,
        };
        is_name_search(text).then_some(text)
    }

    /// The filter's one condition (no search text, one group in each group down to it), if so.
    fn single_item(&self) -> Option<&FilterItem> {
        if self.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            return None;
        }
        let [first] = self.groups.as_slice() else { return None };
        let mut group = first;
        loop {
            match (group.items.as_slice(), group.groups.as_slice()) {
                ([item], []) => return Some(item),
                ([], [inner]) => group = inner,
                _ => return None,
            }
        }
    }

    /// Each condition every match must meet (joined by `AND` down to it) that the facets count, as
    /// [`Self::counted`] reads it.
    pub(crate) fn required_counted(&self, now: DateTime<Utc>) -> Vec<Counted> {
        fn required<'a>(group: &'a FilterGroup, out: &mut Vec<&'a FilterItem>) {
            if group.condition == Condition::And || group.items.len() + group.groups.len() == 1 {
                out.extend(&group.items);
                group.groups.iter().for_each(|inner| required(inner, out));
            }
        }
        let mut items = Vec::new();
        if self.condition.unwrap_or(Condition::And) == Condition::And || self.groups.len() == 1 {
            self.groups.iter().for_each(|group| required(group, &mut items));
        }
        let alone = |item: &FilterItem| Filter {
            condition: None,
            text: None,
            groups: vec![FilterGroup { condition: Condition::And, items: vec![item.clone()], groups: vec![] }],
        };
        items.into_iter().filter_map(|item| alone(item).counted(now)).collect()
    }

    /// Each way of reading the filter as `A OR rest`, where `A` is one condition the facets count
    /// (a condition beside others in the one group of an `OR`, or a group of one condition beside
    /// others under a top-level `OR`) and `rest` is the filter without it. None with a search text.
    pub(crate) fn split_counted_or(&self, now: DateTime<Utc>) -> Vec<(Counted, Filter)> {
        if self.text.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            return Vec::new();
        }
        let alone = |group: FilterGroup| Filter { condition: None, text: None, groups: vec![group] };
        let mut splits = Vec::new();
        match self.groups.as_slice() {
            [group] if group.condition == Condition::Or => {
                for (i, item) in group.items.iter().enumerate() {
                    let single = FilterGroup { condition: Condition::And, items: vec![item.clone()], groups: vec![] };
                    let Some(counted) = alone(single).counted(now) else { continue };
                    let mut rest = group.clone();
                    rest.items.remove(i);
                    if rest.items.len() + rest.groups.len() > 0 {
                        splits.push((counted, alone(rest)));
                    }
                }
            }
            groups if groups.len() > 1 && self.condition == Some(Condition::Or) => {
                for (i, group) in groups.iter().enumerate() {
                    let Some(counted) = alone(group.clone()).counted(now) else { continue };
                    let mut rest = self.clone();
                    rest.groups.remove(i);
                    splits.push((counted, rest));
                }
            }
            _ => {}
        }
        splits
    }

    /// The name a filter of one condition, `CompanyName != name`, leaves out, if so.
    pub(crate) fn name_left_out(&self) -> Option<Filter> {
        match self.single_item()? {
            FilterItem { field: Field::CompanyName, operator: Operator::Ne, value } => Some(Filter {
                condition: None,
                text: None,
                groups: vec![FilterGroup {
                    condition: Condition::And,
                    items: vec![FilterItem { field: Field::CompanyName, operator: Operator::Eq, value: value.clone() }],
                    groups: vec![],
                }],
            }),
            _ => None,
        }
    }

    /// The filter as one condition the search's facets count (see `search::by_facet`), if it is
    /// one (and it compiles); `now` decides which licences have expired.
    pub(crate) fn counted(&self, now: DateTime<Utc>) -> Option<Counted> {
        let FilterItem { field, operator, value } = self.single_item()?;
        let number = |v: &str| v.trim().parse::<i64>().map_err(|_| FilterProblem::EmptyList);
        let time = |key| {
            let (from, to) = time_range(value)?;
            let (ranges, or_missing) = match operator {
                Operator::Eq => (vec![(Some(from), Some(to))], false),
                Operator::Ne => (vec![(None, Some(from)), (Some(to), None)], true),
                Operator::Gt => (vec![(Some(to), None)], false),
                Operator::Ge => (vec![(Some(from), None)], false),
                Operator::Lt => (vec![(None, Some(from))], false),
                Operator::Le => (vec![(None, Some(to))], false),
                Operator::Contains | Operator::Include => return None,
            };
            Some(Counted::Time { key, ranges, or_missing: or_missing && key == TimeKey::LicenceEnd })
        };
        match (field, operator) {
            (Field::TargetUserCount, Operator::Contains) => None,
            (Field::TargetUserCount, Operator::Include) => {
                Some(Counted::TargetUsers { operator: *operator, values: list(value, number).ok()? })
            }
            (Field::TargetUserCount, _) => {
                Some(Counted::TargetUsers { operator: *operator, values: vec![number(value).ok()?] })
            }
            (Field::CompanyName, Operator::Contains) if is_gram(value) => {
                Some(Counted::NameGram { gram: value.to_lowercase() })
            }
            (Field::CreateTime, _) => time(TimeKey::Created),
            (Field::LicenseEndDate, _) => time(TimeKey::LicenceEnd),
            (Field::ResellerName, Operator::Eq | Operator::Ne | Operator::Contains) => {
                Some(Counted::ResellerName { operator: *operator, values: vec![value.to_lowercase()] })
            }
            (Field::ResellerName, Operator::Include) => {
                Some(Counted::ResellerName { operator: *operator, values: list(value, |v| Ok(v.to_lowercase())).ok()? })
            }
            (Field::Tags, Operator::Eq | Operator::Ne | Operator::Contains) => {
                Some(Counted::Tags { operator: *operator, values: vec![value.to_lowercase()] })
            }
            (Field::Tags, Operator::Include) => {
                Some(Counted::Tags { operator: *operator, values: list(value, |v| Ok(v.to_lowercase())).ok()? })
            }
            (Field::LicenceExpired, Operator::Eq | Operator::Ne) => {
                let wanted = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                };
                let expired = wanted == (*operator == Operator::Eq);
                let (ranges, or_missing) =
                    if expired { (vec![(None, Some(now))], false) } else { (vec![(Some(now), None)], true) };
                Some(Counted::Time { key: TimeKey::LicenceEnd, ranges, or_missing })
            }
            _ => None,
        }
    }

    /// Whether the filter keeps every row: no search text and no condition in any group.
    pub fn matches_everything(&self) -> bool {
        fn empty(group: &FilterGroup) -> bool {
            group.items.is_empty() && group.groups.iter().all(empty)
        }
        self.text.as_deref().is_none_or(|t| t.trim().is_empty()) && self.groups.iter().all(empty)
    }

    /// Every value that cannot be used (wrong type for its field, operator not allowed for the
    /// field, too deep, too many), with where it is; empty when the filter compiles.
    pub fn problems(&self) -> Vec<PlacedProblem> {
        compile(self, false, Utc::now()).err().unwrap_or_default()
    }
}

/// The predicate for `filter` over the rows `s`, or every problem with its place.
/// `sqlite`: the database is SQLite, whose name searches also consult the FTS5 trigram table of
/// names.
pub(crate) fn compile(filter: &Filter, sqlite: bool, now: DateTime<Utc>) -> Result<Compiled, Vec<PlacedProblem>> {
    compile_for(filter, sqlite, now, Rows::Companies)
}

/// [`compile`], over the rows `rows`.
pub(crate) fn compile_for(
    filter: &Filter,
    sqlite: bool,
    now: DateTime<Utc>,
    rows: Rows,
) -> Result<Compiled, Vec<PlacedProblem>> {
    let mut compiler = Compiler {
        sqlite,
        rows,
        narrowed: false,
        anchored: false,
        now,
        problems: Vec::new(),
        items: 0,
        path: Vec::new(),
    };
    let mut parts = Vec::new();
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if rows == Rows::TargetUsersByTagSet {
            // A facet's row has no company name to search.
            return Err(Vec::new());
        }
        if text.chars().count() > MAX_SEARCH_TEXT {
            compiler.problems.push(PlacedProblem {
                at: Place::Text,
                problem: FilterProblem::SearchTextTooLong { max: MAX_SEARCH_TEXT },
            });
        } else {
            parts.push(compiler.contains(Func::lower(s(S::Name)).into(), true, text, true));
        }
    }
    let outer = filter.condition.unwrap_or(Condition::And);
    let top = filter.groups.len() == 1 || outer == Condition::And;
    let groups: Vec<SimpleExpr> = filter
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            compiler.path.push(i);
            let group = compiler.group(g, 1, top);
            compiler.path.pop();
            group
        })
        .collect();
    if !groups.is_empty() {
        parts.push(joined(outer, groups));
    }
    if !compiler.problems.is_empty() {
        return Err(compiler.problems);
    }
    let predicate = parts.into_iter().reduce(|all, part| all.and(part)).unwrap_or_else(always);
    Ok(Compiled { predicate, narrowed: compiler.narrowed, anchored: compiler.anchored })
}

/// The parts joined by the condition, in order.
fn joined(condition: Condition, parts: Vec<SimpleExpr>) -> SimpleExpr {
    let cond = match condition {
        Condition::And => Cond::all(),
        Condition::Or => Cond::any(),
    };
    parts.into_iter().fold(cond, |cond, part| cond.add(part)).into()
}

struct Compiler {
    sqlite: bool,
    rows: Rows,
    narrowed: bool,
    anchored: bool,
    now: DateTime<Utc>,
    problems: Vec<PlacedProblem>,
    items: usize,
    /// The group being compiled: its index in each enclosing group, from the top.
    path: Vec<usize>,
}

impl Compiler {
    fn problem_at_group(&mut self, problem: FilterProblem) {
        self.problems.push(PlacedProblem { at: Place::Group(self.path.clone()), problem });
    }

    fn problem_at_item(&mut self, index: usize, problem: FilterProblem) {
        self.problems.push(PlacedProblem { at: Place::Item(self.path.clone(), index), problem });
    }

    /// `top`: the group must hold for the whole predicate to hold.
    fn group(&mut self, group: &FilterGroup, depth: usize, top: bool) -> SimpleExpr {
        if depth > MAX_DEPTH {
            self.problem_at_group(FilterProblem::NestedTooDeep { max: MAX_DEPTH });
            return always();
        }
        let top = top && (group.items.len() + group.groups.len() == 1 || group.condition == Condition::And);
        let mut parts: Vec<SimpleExpr> =
            group.items.iter().enumerate().map(|(i, item)| self.item(i, item, top)).collect();
        for (i, inner) in group.groups.iter().enumerate() {
            self.path.push(i);
            parts.push(self.group(inner, depth + 1, top));
            self.path.pop();
        }
        if parts.is_empty() {
            return always();
        }
        joined(group.condition, parts)
    }

    /// `column` contains `text`, case-insensitively; a company name searched for three characters
    /// or more is a name search (see [`name_search_predicate`]).
    fn contains(&mut self, column: SimpleExpr, company_name: bool, text: &str, top: bool) -> SimpleExpr {
        if !(company_name && is_name_search(text)) {
            return contains_text(self.sqlite, column, text);
        }
        self.narrowed |= top;
        name_search_predicate(self.sqlite, column, self.rows.id(), &name_search_values(self.sqlite, text))
    }

    /// The lower-cased company name `column` is one of `names`, on a link of a company found by
    /// the index of lower-cased names.
    fn named(&self, column: SimpleExpr, names: Vec<String>) -> SimpleExpr {
        let found = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("companies"))
            .and_where(one_of(Func::lower(Expr::col(Alias::new("name"))).into(), names.clone()))
            .to_owned();
        one_of(column, names).and(Expr::expr(self.rows.id()).in_subquery(found))
    }

    fn item(&mut self, index: usize, item: &FilterItem, top: bool) -> SimpleExpr {
        self.items += 1;
        if self.items == MAX_ITEMS + 1 {
            self.problem_at_item(index, FilterProblem::TooManyConditions { max: MAX_ITEMS });
        }
        if item.value.chars().count() > MAX_VALUE {
            self.problem_at_item(index, FilterProblem::ValueTooLong { max: MAX_VALUE });
            return always();
        }
        match self.try_item(item, top) {
            Ok(sql) => sql,
            Err(problem) => {
                self.problem_at_item(index, problem);
                always()
            }
        }
    }

    fn try_item(&mut self, item: &FilterItem, top: bool) -> Result<SimpleExpr, FilterProblem> {
        let FilterItem { field, operator: op, value } = item;
        let not_for = || FilterProblem::OperatorNotForField { operator: *op, field: *field };
        let lower_list = |v: &str| Ok(v.to_lowercase());
        if self.rows == Rows::TargetUsersByTagSet && !matches!(field, Field::TargetUserCount | Field::Tags) {
            return Err(not_for());
        }
        match field {
            Field::CompanyName | Field::ResellerName => {
                let column: SimpleExpr = if *field == Field::CompanyName {
                    Func::lower(s(S::Name)).into()
                } else {
                    Func::lower(Func::coalesce([s(S::ResellerName), Expr::val("").into()])).into()
                };
                let names = match op {
                    Operator::Eq | Operator::Ne => vec![value.to_lowercase()],
                    Operator::Include => list(value, lower_list)?,
                    Operator::Contains => return Ok(self.contains(column, *field == Field::CompanyName, value, top)),
                    _ => return Err(not_for()),
                };
                Ok(match op {
                    Operator::Ne => Expr::expr(column).ne(names[0].clone()),
                    _ if top && *field == Field::CompanyName && self.rows == Rows::Links => {
                        self.anchored = true;
                        self.named(column, names)
                    }
                    _ => one_of(column, names),
                })
            }
            Field::CreateTime | Field::LicenseEndDate => {
                let column = || s(if *field == Field::CreateTime { S::CreateTime } else { S::LicenseEndDate });
                let (from, to) =
                    time_range(value).ok_or_else(|| FilterProblem::NotATime { field: *field, value: value.clone() })?;
                match op {
                    Operator::Eq => Ok(Expr::expr(column()).gte(from).and(Expr::expr(column()).lt(to))),
                    Operator::Ne => Ok(Cond::any()
                        .add(Expr::expr(column()).is_null())
                        .add(Expr::expr(column()).lt(from))
                        .add(Expr::expr(column()).gte(to))
                        .into()),
                    Operator::Gt => Ok(Expr::expr(column()).gte(to)),
                    Operator::Ge => Ok(Expr::expr(column()).gte(from)),
                    Operator::Lt => Ok(Expr::expr(column()).lt(from)),
                    Operator::Le => Ok(Expr::expr(column()).lt(to)),
                    _ => Err(not_for()),
                }
            }
            Field::TargetUserCount => {
                let number = |v: &str| {
                    v.trim()
                        .parse::<i64>()
                        .map_err(|_| FilterProblem::NotAWholeNumber { field: *field, value: v.to_owned() })
                };
                let count = match self.rows {
                    Rows::TargetUsersByTagSet => Expr::col((S::Table, Alias::new("value"))),
                    _ => Expr::expr(s(S::TargetUserCount)),
                };
                match op {
                    Operator::Include => Ok(count.is_in(list(value, number)?)),
                    Operator::Contains => Err(not_for()),
                    Operator::Eq => Ok(count.eq(number(value)?)),
                    Operator::Ne => Ok(count.ne(number(value)?)),
                    Operator::Gt => Ok(count.gt(number(value)?)),
                    Operator::Lt => Ok(count.lt(number(value)?)),
                    Operator::Ge => Ok(count.gte(number(value)?)),
                    Operator::Le => Ok(count.lte(number(value)?)),
                }
            }
            Field::LicenceExpired => {
                let wanted = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(FilterProblem::NotTrueOrFalse { field: *field, value: value.clone() }),
                };
                let end = || Expr::expr(s(S::LicenseEndDate));
                let expired = end().is_not_null().and(end().lt(self.now));
                match op {
                    Operator::Eq | Operator::Ne if wanted == (*op == Operator::Eq) => Ok(expired),
                    Operator::Eq | Operator::Ne => Ok(expired.not()),
                    _ => Err(not_for()),
                }
            }
            Field::Tags if self.rows != Rows::Companies => {
                // The link's JSON array of lower-cased tags, or the facet row's (its label).
                let array = if self.rows == Rows::Links { "tags" } else { "label" };
                let backend =
                    if self.sqlite { sea_orm::DatabaseBackend::Sqlite } else { sea_orm::DatabaseBackend::Postgres };
                let values = match op {
                    Operator::Include => list(value, lower_list)?,
                    Operator::Eq | Operator::Ne | Operator::Contains => vec![value.to_lowercase()],
                    _ => return Err(not_for()),
                };
                Ok(super::by_facet::tags_match(backend, array, *op, &values))
            }
            Field::Tags => {
                let tags = Alias::new("t");
                let tag = || Expr::expr(Func::lower(Expr::col((tags.clone(), Alias::new("tag")))));
                let has = |condition: SimpleExpr| {
                    Expr::exists(
                        Query::select()
                            .expr(Expr::cust("1"))
                            .from_as(Alias::new("company_tags"), tags.clone())
                            .and_where(Expr::col((tags.clone(), Alias::new("company_id"))).equals((S::Table, S::Id)))
                            .and_where(condition)
                            .to_owned(),
                    )
                };
                match op {
                    Operator::Eq => Ok(has(tag().eq(value.to_lowercase()))),
                    Operator::Ne => Ok(has(tag().eq(value.to_lowercase())).not()),
                    Operator::Include => Ok(has(tag().is_in(list(value, lower_list)?))),
                    Operator::Contains => Ok(has(contains_text(self.sqlite, tag().into(), value))),
                    _ => Err(not_for()),
                }
            }
        }
    }
}

/// `column` equals one of `values` (a list of one is an equality).
fn one_of(column: SimpleExpr, mut values: Vec<String>) -> SimpleExpr {
    match values.len() {
        1 => Expr::expr(column).eq(values.remove(0)),
        _ => Expr::expr(column).is_in(values),
    }
}

/// Each comma-separated entry of `value`, parsed.
fn list<T>(value: &str, parse: impl Fn(&str) -> Result<T, FilterProblem>) -> Result<Vec<T>, FilterProblem> {
    let entries: Vec<&str> = value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
    if entries.is_empty() {
        return Err(FilterProblem::EmptyList);
    }
    entries.into_iter().map(parse).collect()
}

/// A day `YYYY-MM-DD` covers that whole UTC day; a timestamp covers one instant.
fn time_range(value: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let value = value.trim();
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0)?.and_utc();
        return Some((start, start + Duration::days(1)));
    }
    let instant = DateTime::parse_from_rfc3339(value).ok()?.with_timezone(&Utc);
    Some((instant, instant + Duration::microseconds(1)))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use sea_orm::Value;

    use super::*;

    fn item(field: Field, operator: Operator, value: &str) -> FilterItem {
        FilterItem { field, operator, value: value.into() }
    }

    fn of(items: Vec<FilterItem>) -> Filter {
        Filter {
            condition: None,
            text: None,
            groups: vec![FilterGroup { condition: Condition::And, items, groups: vec![] }],
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 12, 0, 0).unwrap()
    }

    /// The predicate as PostgreSQL text (without `SELECT `) and its values, or the problems.
    fn compiled(filter: &Filter) -> Result<(String, Vec<Value>), Vec<FilterProblem>> {
        let compiled = compile(filter, false, now())
            .map_err(|placed| placed.into_iter().map(|p| p.problem).collect::<Vec<_>>())?;
        let statement = sea_orm::DatabaseBackend::Postgres.build(&Query::select().expr(compiled.predicate).to_owned());
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        Ok((statement.sql.trim_start_matches("SELECT ").to_owned(), values))
    }

    /// Every field with every operator: which pairs compile, for a value of the field's kind.
    #[test]
    fn each_field_takes_its_operators_only() {
        use Operator::*;
        let ops = [Eq, Ne, Contains, Include, Gt, Lt, Ge, Le];
        let cases: [(Field, &str, &[Operator]); 7] = [
            (Field::CompanyName, "acme", &[Eq, Ne, Contains, Include]),
            (Field::ResellerName, "acme", &[Eq, Ne, Contains, Include]),
            (Field::CreateTime, "2026-01-02", &[Eq, Ne, Gt, Lt, Ge, Le]),
            (Field::LicenseEndDate, "2026-01-02T10:00:00Z", &[Eq, Ne, Gt, Lt, Ge, Le]),
            (Field::TargetUserCount, "12", &[Eq, Ne, Include, Gt, Lt, Ge, Le]),
            (Field::LicenceExpired, "true", &[Eq, Ne]),
            (Field::Tags, "emea", &[Eq, Ne, Contains, Include]),
        ];
        for (field, value, allowed) in cases {
            for op in ops {
                let result = compiled(&of(vec![item(field, op, value)]));
                if allowed.contains(&op) {
                    assert!(result.is_ok(), "{field:?} {op:?}: {result:?}");
                } else {
                    let expected = FilterProblem::OperatorNotForField { operator: op, field };
                    assert_eq!(result, Err(vec![expected]), "{field:?} {op:?}");
                }
            }
        }
    }

    #[test]
    fn values_of_the_wrong_kind_are_named() {
        let problems = compiled(&of(vec![
            item(Field::CreateTime, Operator::Gt, "yesterday"),
            item(Field::TargetUserCount, Operator::Eq, "many"),
            item(Field::TargetUserCount, Operator::Include, "1, x"),
            item(Field::LicenceExpired, Operator::Eq, "maybe"),
            item(Field::Tags, Operator::Include, " , "),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                FilterProblem::NotATime { field: Field::CreateTime, value: "yesterday".into() },
                FilterProblem::NotAWholeNumber { field: Field::TargetUserCount, value: "many".into() },
                FilterProblem::NotAWholeNumber { field: Field::TargetUserCount, value: "x".into() },
                FilterProblem::NotTrueOrFalse { field: Field::LicenceExpired, value: "maybe".into() },
                FilterProblem::EmptyList,
            ]
        );
    }

    #[test]
    fn values_are_bound_never_spliced() {
        let hostile = "x'); DROP TABLE companies; --";
        let (predicate, values) = compiled(&of(vec![
            item(Field::CompanyName, Operator::Eq, hostile),
            item(Field::Tags, Operator::Contains, "50%_off\\"),
        ]))
        .unwrap();
        assert!(!predicate.contains("DROP"), "{predicate}");
        assert_eq!(predicate.matches('$').count(), values.len());
        assert!(values.contains(&Value::from(hostile.to_lowercase())));
        // LIKE's own characters in a value are matched literally.
        assert!(values.contains(&Value::from("%50\\%\\_off\\\\%".to_owned())), "{values:?}");
    }

    #[test]
    fn a_day_covers_the_whole_utc_day() {
        let (predicate, values) = compiled(&of(vec![item(Field::CreateTime, Operator::Eq, "2026-01-02")])).unwrap();
        assert_eq!(predicate, r#""s"."create_time" >= $1 AND "s"."create_time" < $2"#);
        let day = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(values, [Value::from(day), Value::from(day + Duration::days(1))]);
        let (predicate, _) = compiled(&of(vec![item(Field::CreateTime, Operator::Gt, "2026-01-02")])).unwrap();
        assert_eq!(predicate, r#""s"."create_time" >= $1"#, "after the day: from its end");
        assert_eq!(
            values_of(&of(vec![item(Field::CreateTime, Operator::Gt, "2026-01-02")])),
            [Value::from(day + Duration::days(1))]
        );
    }

    #[test]
    fn a_name_search_narrows_only_when_the_whole_predicate_needs_it() {
        let narrowed = |filter: &Filter| compile(filter, false, now()).unwrap().narrowed;
        let text = |t: &str| Filter { text: Some(t.into()), ..Filter::default() };
        assert!(narrowed(&text("zephyr")));
        assert!(!narrowed(&text("ze")), "two characters have no trigram");
        assert!(narrowed(&of(vec![item(Field::CompanyName, Operator::Contains, "zephyr")])));
        let either = Filter {
            condition: None,
            text: None,
            groups: vec![FilterGroup {
                condition: Condition::Or,
                items: vec![
                    item(Field::CompanyName, Operator::Contains, "zephyr"),
                    item(Field::TargetUserCount, Operator::Gt, "5"),
                ],
                groups: vec![],
            }],
        };
        assert!(!narrowed(&either), "an OR may keep rows whose name does not match");
        assert!(!narrowed(&of(vec![item(Field::ResellerName, Operator::Contains, "zephyr")])));
    }

    #[test]
    fn size_limits_are_problems_not_queries() {
        let long_text = Filter { text: Some("x".repeat(MAX_SEARCH_TEXT + 1)), ..Filter::default() };
        assert_eq!(compiled(&long_text), Err(vec![FilterProblem::SearchTextTooLong { max: MAX_SEARCH_TEXT }]));
        let many = of((0..=MAX_ITEMS).map(|_| item(Field::TargetUserCount, Operator::Eq, "1")).collect());
        assert_eq!(compiled(&many), Err(vec![FilterProblem::TooManyConditions { max: MAX_ITEMS }]));
        let mut deep = FilterGroup { condition: Condition::And, items: vec![], groups: vec![] };
        for _ in 0..MAX_DEPTH {
            deep = FilterGroup { condition: Condition::And, items: vec![], groups: vec![deep] };
        }
        let deep = Filter { condition: None, text: None, groups: vec![deep] };
        assert_eq!(compiled(&deep), Err(vec![FilterProblem::NestedTooDeep { max: MAX_DEPTH }]));
        let long_value = of(vec![item(Field::CompanyName, Operator::Eq, &"y".repeat(MAX_VALUE + 1))]);
        assert_eq!(compiled(&long_value), Err(vec![FilterProblem::ValueTooLong { max: MAX_VALUE }]));
    }

    #[test]
    fn nothing_to_filter_keeps_every_row() {
        assert_eq!(compiled(&Filter::default()), Ok(("1 = 1".into(), vec![])));
        let blank = Filter { text: Some("   ".into()), ..Filter::default() };
        assert!(blank.matches_everything());
        assert_eq!(compiled(&blank).unwrap().0, "1 = 1");
    }

    fn values_of(filter: &Filter) -> Vec<Value> {
        compiled(filter).unwrap().1
    }

    /// Groups joined by OR stay together beside the search text and inside an AND group.
    #[test]
    fn conditions_keep_their_grouping() {
        let group = |condition, items, groups| FilterGroup { condition, items, groups };
        let filter = Filter {
            condition: Some(Condition::Or),
            text: Some("ac".into()),
            groups: vec![
                group(
                    Condition::And,
                    vec![item(Field::TargetUserCount, Operator::Gt, "1")],
                    vec![group(
                        Condition::Or,
                        vec![
                            item(Field::TargetUserCount, Operator::Eq, "2"),
                            item(Field::TargetUserCount, Operator::Eq, "3"),
                        ],
                        vec![],
                    )],
                ),
                group(Condition::And, vec![item(Field::TargetUserCount, Operator::Lt, "4")], vec![]),
            ],
        };
        let (predicate, values) = compiled(&filter).unwrap();
        let count = r#""s"."target_user_count""#;
        assert_eq!(
            predicate,
            format!(
                r#"LOWER("s"."name") LIKE $1 ESCAPE E'\\' AND (({count} > $2 AND ({count} = $3 OR {count} = $4)) OR {count} < $5)"#
            )
        );
        assert_eq!(values.len(), 5);
    }

    #[test]
    fn problems_say_where_they_are() {
        let group = |items, groups| FilterGroup { condition: Condition::And, items, groups };
        let mut too_deep = group(vec![], vec![]);
        for _ in 0..MAX_DEPTH {
            too_deep = group(vec![], vec![too_deep]);
        }
        let filter = Filter {
            condition: Some(Condition::Or),
            text: Some("x".repeat(MAX_SEARCH_TEXT + 1)),
            groups: vec![
                group(
                    vec![item(Field::CompanyName, Operator::Eq, "a"), item(Field::CreateTime, Operator::Eq, "soon")],
                    vec![],
                ),
                group(vec![], vec![group(vec![], vec![]), group(vec![item(Field::Tags, Operator::Gt, "x")], vec![])]),
                too_deep,
            ],
        };
        let placed: Vec<Place> = compile(&filter, false, now()).unwrap_err().into_iter().map(|p| p.at).collect();
        let deepest = std::iter::once(2).chain(std::iter::repeat_n(0, MAX_DEPTH)).collect();
        assert_eq!(placed, [Place::Text, Place::Item(vec![0], 1), Place::Item(vec![1, 1], 0), Place::Group(deepest)],);
    }

    #[test]
    fn an_empty_group_keeps_every_row_also_beside_an_or() {
        let empty = FilterGroup { condition: Condition::And, items: vec![], groups: vec![] };
        let name = FilterGroup {
            condition: Condition::And,
            items: vec![item(Field::CompanyName, Operator::Eq, "Acme")],
            groups: vec![],
        };
        let either = Filter { condition: Some(Condition::Or), text: None, groups: vec![name, empty] };
        let (predicate, values) = compiled(&either).unwrap();
        assert_eq!(predicate, r#"LOWER("s"."name") = $1 OR (1 = 1)"#);
        assert_eq!(values, [Value::from("acme".to_owned())]);
    }

    #[test]
    fn on_sqlite_a_name_search_also_asks_the_trigram_table() {
        let filter = Filter { text: Some("Zeph\"yr".into()), ..Filter::default() };
        let compiled = compile(&filter, true, now()).unwrap();
        assert!(compiled.narrowed);
        let statement = sea_orm::DatabaseBackend::Sqlite.build(&Query::select().expr(compiled.predicate).to_owned());
        assert!(statement.sql.contains(r#""company_names" MATCH ?"#), "{}", statement.sql);
        assert!(statement.sql.starts_with(r#"SELECT instr(LOWER("s"."name"), ?) > ? AND"#), "{}", statement.sql);
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        // The phrase is quoted for FTS5, its own quotes doubled; the substring is the text itself.
        let phrase = Value::from("\"zeph\"\"yr\"".to_owned());
        assert_eq!(values, [Value::from("zeph\"yr".to_owned()), Value::from(0), phrase]);
    }

    #[test]
    fn only_a_lone_condition_is_counted() {
        let now = now();
        let count = |operator, value: &str| item(Field::TargetUserCount, operator, value);
        let lone = of(vec![count(Operator::Ge, "3")]);
        assert_eq!(lone.counted(now), Some(Counted::TargetUsers { operator: Operator::Ge, values: vec![3] }));
        // Down a chain of single groups, whatever their conditions.
        let nested = Filter {
            condition: Some(Condition::Or),
            text: None,
            groups: vec![FilterGroup {
                condition: Condition::Or,
                items: vec![],
                groups: vec![FilterGroup {
                    condition: Condition::And,
                    items: vec![count(Operator::Eq, "1")],
                    groups: vec![],
                }],
            }],
        };
        assert!(nested.counted(now).is_some());
        // Two conditions, a search text, or an empty group beside it (which keeps every row in an OR).
        assert_eq!(of(vec![count(Operator::Ge, "3"), count(Operator::Le, "5")]).counted(now), None);
        assert_eq!(Filter { text: Some("acme".into()), ..lone.clone() }.counted(now), None);
        let with_empty = FilterGroup { condition: Condition::Or, items: vec![], groups: vec![] };
        let mut beside = lone.clone();
        beside.groups.push(with_empty);
        assert_eq!(beside.counted(now), None);
        // Not counted: a name, a count's Contains.
        assert_eq!(of(vec![item(Field::CompanyName, Operator::Eq, "x")]).counted(now), None);
        assert_eq!(of(vec![count(Operator::Contains, "1")]).counted(now), None);
        // An expired licence is a range up to now.
        let expired = of(vec![item(Field::LicenceExpired, Operator::Eq, "TRUE")]).counted(now);
        let ranges = vec![(None, Some(now))];
        assert_eq!(expired, Some(Counted::Time { key: TimeKey::LicenceEnd, ranges, or_missing: false }));
    }

    #[test]
    fn only_conditions_every_match_meets_can_anchor_a_search() {
        let now = now();
        let count = item(Field::TargetUserCount, Operator::Ge, "3");
        let day = item(Field::CreateTime, Operator::Ge, "2026-01-01");
        let name = item(Field::CompanyName, Operator::Ne, "x");
        // Each counted condition of an AND, not the name.
        assert_eq!(of(vec![count.clone(), name.clone(), day.clone()]).required_counted(now).len(), 2);
        // An OR needs neither.
        let mut either = of(vec![count.clone(), day.clone()]);
        either.groups[0].condition = Condition::Or;
        assert!(either.required_counted(now).is_empty());
        // Groups under an OR of two: neither is required; under an AND (or alone), both are.
        let two = |condition| Filter {
            condition: Some(condition),
            text: None,
            groups: vec![of(vec![count.clone()]).groups.remove(0), of(vec![day.clone()]).groups.remove(0)],
        };
        assert!(two(Condition::Or).required_counted(now).is_empty());
        assert_eq!(two(Condition::And).required_counted(now).len(), 2);
        // A search text is ANDed with the groups: the conditions stay required.
        let with_text = Filter { text: Some("ab".into()), ..of(vec![count.clone()]) };
        assert_eq!(with_text.required_counted(now).len(), 1);
    }

    #[test]
    fn an_or_splits_at_each_counted_condition_beside_the_rest() {
        let now = now();
        let tags = item(Field::Tags, Operator::Include, "even");
        let count = item(Field::TargetUserCount, Operator::Eq, "7");
        // Three characters or more: a name search, which the facets do not count (one or two
        // characters: the names' grams, which they do).
        let name = item(Field::CompanyName, Operator::Contains, "abc");
        let gram = item(Field::CompanyName, Operator::Contains, "aB");
        assert_eq!(of(vec![name.clone()]).counted(now), None);
        assert_eq!(of(vec![gram]).counted(now), Some(Counted::NameGram { gram: "ab".into() }));
        let mut either = of(vec![tags.clone(), count.clone(), name.clone()]);
        either.groups[0].condition = Condition::Or;
        let splits = either.split_counted_or(now);
        assert_eq!(splits.len(), 2, "the name is not counted");
        let (counted, rest) = &splits[0];
        assert_eq!(Some(counted.clone()), of(vec![tags.clone()]).counted(now));
        assert_eq!(rest.groups[0].items, vec![count.clone(), name.clone()]);
        assert_eq!(rest.groups[0].condition, Condition::Or);
        // Groups under a top-level OR: a group of one condition splits off.
        let groups = Filter {
            condition: Some(Condition::Or),
            text: None,
            groups: vec![
                of(vec![count.clone()]).groups.remove(0),
                of(vec![tags.clone(), name.clone()]).groups.remove(0),
            ],
        };
        let splits = groups.split_counted_or(now);
        assert_eq!(splits.len(), 1);
        assert_eq!(splits[0].1.groups, vec![of(vec![tags.clone(), name.clone()]).groups.remove(0)]);
        // An AND, a lone condition or a search text do not split.
        assert!(of(vec![tags.clone(), count.clone()]).split_counted_or(now).is_empty());
        let mut lone = of(vec![tags.clone()]);
        lone.groups[0].condition = Condition::Or;
        assert!(lone.split_counted_or(now).is_empty());
        let with_text = Filter { text: Some("ab".into()), ..either };
        assert!(with_text.split_counted_or(now).is_empty());
    }

    #[test]
    fn a_name_anchors_a_search_over_links_only_where_every_match_needs_it() {
        let anchored = |filter: &Filter, rows| compile_for(filter, true, now(), rows).unwrap().anchored;
        let equal = item(Field::CompanyName, Operator::Eq, "Acme");
        let listed = item(Field::CompanyName, Operator::Include, "acme, globex");
        let count = item(Field::TargetUserCount, Operator::Ge, "3");
        assert!(anchored(&of(vec![equal.clone()]), Rows::Links));
        assert!(anchored(&of(vec![listed, count.clone()]), Rows::Links));
        assert!(!anchored(&of(vec![equal.clone()]), Rows::Companies), "the companies' path has its own plans");
        let mut either = of(vec![equal.clone(), count]);
        either.groups[0].condition = Condition::Or;
        assert!(!anchored(&either, Rows::Links), "in an OR the name does not bound the matches");
        assert!(!anchored(&of(vec![item(Field::CompanyName, Operator::Ne, "acme")]), Rows::Links));
        // The one name a `!=` leaves out, as an equality.
        let left_out = of(vec![item(Field::CompanyName, Operator::Ne, "Acme")]).name_left_out();
        assert_eq!(left_out, Some(of(vec![equal])));
        assert_eq!(of(vec![item(Field::Tags, Operator::Ne, "x")]).name_left_out(), None);
    }

    #[test]
    fn only_tags_and_counts_compile_over_their_facet() {
        let on_facet = |f: &Filter| compile_for(f, true, Utc::now(), Rows::TargetUsersByTagSet).is_ok();
        let tags = item(Field::Tags, Operator::Include, "a, b");
        let count = item(Field::TargetUserCount, Operator::Ge, "3");
        let mut either = of(vec![tags.clone(), count.clone()]);
        either.groups[0].condition = Condition::Or;
        assert!(on_facet(&either));
        assert!(on_facet(&of(vec![tags.clone(), count.clone()])));
        assert!(!on_facet(&of(vec![tags, item(Field::CompanyName, Operator::Eq, "acme")])));
        assert!(!on_facet(&of(vec![item(Field::CreateTime, Operator::Ge, "2024-01-01")])));
        let mut with_text = of(vec![count]);
        with_text.text = Some("acme".into());
        assert!(!on_facet(&with_text), "a facet's row has no name to search");
    }
}
