//! Searches whose whole filter is one condition on a key the facets count (see
//! [`crate::tree::facets`]): the totals are a sum over the root's facet rows (one per distinct
//! value), and the page is read off the management tree: from the order's index, checking the
//! condition on each link, when matches are many, or from the condition's own index, sorted, when
//! they are few.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, Func, Query, SelectStatement, SimpleExpr, UnionType};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value};

use super::filter::{self, Counted, Operator, S, TimeKey, TimeRange, contained, contains_text, s};
use super::{Narrowing, PageShape, Plan, Root, SearchPage, SearchRequest, kept_counts, limits};
use crate::Gateway;
use crate::entities::{companies, company_tree};
use companygate_migration::facet;

#[derive(FromQueryResult)]
struct Sums {
    total: i64,
    limit_exceeded: i64,
    /// How many companies the search covers without the condition.
    scope: i64,
}

/// `column op values`: the comparison a condition makes, on a facet's value or a link's key.
fn compare(column: SimpleExpr, operator: Operator, values: &[i64]) -> SimpleExpr {
    let one = values.first().copied().unwrap_or_default();
    let column = Expr::expr(column);
    match operator {
        Operator::Eq => column.eq(one),
        Operator::Ne => column.ne(one),
        Operator::Gt => column.gt(one),
        Operator::Ge => column.gte(one),
        Operator::Lt => column.lt(one),
        Operator::Le => column.lte(one),
        Operator::Include | Operator::Contains => column.is_in(values.iter().copied()),
    }
}

/// The root `root_id`'s own link (as `s`) where `predicate` matches it (and it exceeds its licence,
/// with `only_exceeded`), as a row of [`summed`]'s: one company, and whether it exceeds.
fn own_link(root_id: &str, predicate: SimpleExpr, only_exceeded: bool) -> SelectStatement {
    let link = |column| Expr::col((S::Table, column));
    let mut own = Query::select();
    own.expr(Expr::val(1i64))
        .column((S::Table, company_tree::Column::LimitExceeded))
        .from_as(company_tree::Entity, S::Table)
        .and_where(link(company_tree::Column::AncestorId).eq(root_id))
        .and_where(link(company_tree::Column::DescendantId).eq(root_id))
        .and_where(predicate);
    if only_exceeded {
        own.and_where(link(company_tree::Column::LimitExceeded).into());
    }
    own
}

/// Over `rows` (`n` companies each, `e` whether they exceed their licence): `total`, the sum of
/// `n`, and `limit_exceeded`, that of the rows with `e`.
fn summed(rows: SelectStatement) -> SelectStatement {
    let n = || Expr::col((Alias::new("t"), Alias::new("n")));
    let exceeded_n =
        Expr::case(SimpleExpr::from(Expr::col((Alias::new("t"), Alias::new("e")))), n()).finally(Expr::val(0i64));
    // PostgreSQL sums BIGINT as NUMERIC.
    let whole = |sum: SimpleExpr| Func::cast_as(Func::coalesce([sum, Expr::val(0i64).into()]), Alias::new("BIGINT"));
    Query::select()
        .expr_as(whole(n().sum()), Alias::new("total"))
        .expr_as(whole(Expr::expr(exceeded_n).sum()), Alias::new("limit_exceeded"))
        .from_subquery(rows, Alias::new("t"))
        .to_owned()
}

/// Seconds in a day: the facets count times by UTC day.
const DAY: i64 = 86_400;

fn day_of(time: DateTime<Utc>) -> i64 {
    time.timestamp().div_euclid(DAY)
}

fn midnight(day: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(day.saturating_mul(DAY), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Days `[first, end)` as day numbers; `None`: unbounded on that side.
type DayRange = (Option<i64>, Option<i64>);

/// A time range split into the whole days inside it (`[first, end)` as day numbers, either side
/// open), counted by the facets, and the parts of days at its ends, counted from the links (at most
/// one day's companies each).
fn split((from, to): TimeRange) -> (Option<DayRange>, Vec<TimeRange>) {
    let first = from.map(|t| if midnight(day_of(t)) == t { day_of(t) } else { day_of(t) + 1 });
    let end = to.map(day_of);
    if let (Some(first), Some(end)) = (first, end)
        && first >= end
    {
        let within = from.zip(to).is_some_and(|(from, to)| from < to);
        return (None, if within { vec![(from, to)] } else { vec![] });
    }
    let mut parts = Vec::new();
    if let (Some(from), Some(first)) = (from, first)
        && from < midnight(first)
    {
        parts.push((Some(from), Some(midnight(first))));
    }
    if let (Some(to), Some(end)) = (to, end)
        && midnight(end) < to
    {
        parts.push((Some(midnight(end)), Some(to)));
    }
    (Some((first, end)), parts)
}

/// `column` in one of `ranges`.
fn in_ranges(column: impl Fn() -> SimpleExpr, ranges: &[TimeRange]) -> SimpleExpr {
    let mut any = Condition::any();
    for (from, to) in ranges {
        let mut range = Condition::all();
        if let Some(from) = from {
            range = range.add(Expr::expr(column()).gte(*from));
        }
        if let Some(to) = to {
            range = range.add(Expr::expr(column()).lt(*to));
        }
        any = any.add(range);
    }
    any.into()
}

/// The JSON array of lower-cased tags in the column `array` (empty or NULL: none) has an element
/// that `operator` (`Eq`, `Include`, `Contains`) matches with `values`, as the computed filter
/// compares each lower-cased tag.
fn has_tag(backend: sea_orm::DatabaseBackend, array: &str, operator: Operator, values: &[String]) -> SimpleExpr {
    let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
    let elements = if sqlite {
        format!("json_each(NULLIF(\"{array}\", '')) AS e")
    } else {
        format!("json_array_elements_text(CAST(NULLIF(\"{array}\", '') AS json)) AS e(value)")
    };
    // sea-query's placeholders in custom text: `?` on SQLite, `$1`, `$2`... on PostgreSQL.
    let mark = |i: usize| if sqlite { "?".to_owned() } else { format!("${}", i + 1) };
    if operator != Operator::Contains {
        // An element equal to a value, found in the array's text without expanding the array
        // into rows: the value's JSON text right after the opening bracket or an element's
        // separator. Both texts come from the database's own JSON encoding (see
        // `facet::tag_set`), where a `"` inside a string is always escaped, so a separator
        // followed by a quote starts an element. No tags: false.
        let (find, quoted, separator) = if sqlite {
            ("instr", "json_quote(?)".to_owned(), "','")
        } else {
            ("strpos", String::new(), "' '") // json_agg separates elements with ", "
        };
        let quote = |i: usize| match sqlite {
            true => quoted.clone(),
            false => format!("CAST(to_json(CAST({} AS text)) AS text)", mark(i)),
        };
        let values: &[String] = if operator == Operator::Include { values } else { &values[..values.len().min(1)] };
        let one = |i: usize| {
            format!(
                "{find}(\"{array}\", '[' || {}) > 0 OR {find}(\"{array}\", {separator} || {}) > 0",
                quote(2 * i),
                quote(2 * i + 1)
            )
        };
        let any = (0..values.len()).map(one).collect::<Vec<_>>().join(" OR ");
        let any = if any.is_empty() { "1 = 0".to_owned() } else { any };
        let no = if sqlite { "0" } else { "false" };
        return Expr::cust_with_values(
            format!("COALESCE(({any}), {no})"),
            values.iter().flat_map(|v| [Value::from(v.clone()), Value::from(v.clone())]).collect::<Vec<_>>(),
        );
    }
    let (test, bound): (String, Vec<Value>) = match operator {
        Operator::Include => {
            let marks = (0..values.len()).map(mark).collect::<Vec<_>>().join(", ");
            (format!("e.value IN ({marks})"), values.iter().map(|v| Value::from(v.clone())).collect())
        }
        Operator::Contains => {
            let text = values.first().map(String::as_str).unwrap_or_default();
            let test = if sqlite {
                format!("instr(e.value, {}) > 0", mark(0))
            } else {
                format!("e.value LIKE {} ESCAPE '\\'", mark(0))
            };
            (test, vec![contained(sqlite, text)])
        }
        _ => (format!("e.value = {}", mark(0)), vec![Value::from(values.first().cloned().unwrap_or_default())]),
    };
    Expr::cust_with_values(format!("EXISTS (SELECT 1 FROM {elements} WHERE {test})"), bound)
}

/// The tag condition on the JSON array of tags in the column `array`.
pub(super) fn tags_match(
    backend: sea_orm::DatabaseBackend,
    array: &str,
    operator: Operator,
    values: &[String],
) -> SimpleExpr {
    match operator {
        Operator::Ne => has_tag(backend, array, Operator::Eq, values).not(),
        _ => has_tag(backend, array, operator, values),
    }
}

/// The lower-cased text `column` compared with the lower-cased `values`, as the computed filter
/// compares a reseller name.
fn text_match(sqlite: bool, column: SimpleExpr, operator: Operator, values: &[String]) -> SimpleExpr {
    let one = values.first().cloned().unwrap_or_default();
    match operator {
        Operator::Ne => Expr::expr(column).ne(one),
        Operator::Include => Expr::expr(column).is_in(values.iter().cloned()),
        Operator::Contains => contains_text(sqlite, column, &one),
        _ => Expr::expr(column).eq(one),
    }
}

impl Counted {
    /// The link key the condition compares.
    fn column(&self) -> company_tree::Column {
        match self {
            Self::TargetUsers { .. } => company_tree::Column::TargetUserCount,
            Self::Time { key: TimeKey::Created, .. } => company_tree::Column::CreateTime,
            Self::Time { key: TimeKey::LicenceEnd, .. } => company_tree::Column::LicenseEndDate,
            Self::Tags { .. } => company_tree::Column::Tags,
            Self::ResellerName { .. } => company_tree::Column::ResellerName,
            Self::NameGram { .. } => company_tree::Column::Name,
        }
    }

    /// Whether the matches can be found from an index of the condition's own (else the order's
    /// index is walked, whatever their number).
    fn gatherable(&self) -> bool {
        match self {
            Self::TargetUsers { .. } | Self::Time { .. } | Self::NameGram { .. } => true,
            Self::Tags { operator, .. } => matches!(operator, Operator::Eq | Operator::Include),
            // A `Contains` from the trigram index of names.
            Self::ResellerName { operator, values } => match operator {
                Operator::Eq | Operator::Include => true,
                Operator::Contains => values.first().is_some_and(|text| filter::is_name_search(text)),
                _ => false,
            },
        }
    }

    /// The condition on the facet rows (`facet`, `value`) that count the companies it matches
    /// (bar the parts of days [`Self::partial_days`] counts).
    fn on_facets(&self, backend: sea_orm::DatabaseBackend) -> SimpleExpr {
        let value = || Expr::col(Alias::new("value"));
        let facet = |code: i16| Expr::col(Alias::new("facet")).eq(code);
        match self {
            Self::TargetUsers { operator, values } => {
                facet(facet::TARGET_USERS).and(compare(value().into(), *operator, values))
            }
            Self::Time { key, ranges, or_missing } => {
                let code = match key {
                    TimeKey::Created => facet::CREATION_DAY,
                    TimeKey::LicenceEnd => facet::LICENCE_END_DAY,
                };
                let mut any = Condition::any();
                for (first, end) in ranges.iter().filter_map(|range| split(*range).0) {
                    let mut days = Condition::all().add(facet(code));
                    if let Some(first) = first {
                        days = days.add(value().gte(first));
                    }
                    if let Some(end) = end {
                        days = days.add(value().lt(end));
                    }
                    any = any.add(days);
                }
                if *or_missing {
                    any = any.add(facet(facet::NO_LICENCE_END));
                }
                if any.is_empty() { Expr::cust("1 = 0") } else { any.into() }
            }
            Self::Tags { operator, values } => {
                facet(facet::TAG_SET).and(tags_match(backend, "label", *operator, values))
            }
            Self::ResellerName { operator, values } => {
                let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
                let label = Expr::col(Alias::new("label")).into();
                facet(facet::RESELLER_NAME).and(text_match(sqlite, label, *operator, values))
            }
            Self::NameGram { gram } => facet(facet::NAME_GRAM).and(Expr::col(Alias::new("label")).eq(gram.clone())),
        }
    }

    /// The parts of days the condition takes, on a link, if any: counted from the links.
    fn partial_days(&self) -> Option<SimpleExpr> {
        let Self::Time { ranges, .. } = self else { return None };
        let parts: Vec<TimeRange> = ranges.iter().flat_map(|range| split(*range).1).collect();
        let column = self.column();
        (!parts.is_empty()).then(|| self.present().and(in_ranges(|| Expr::col(column).into(), &parts)))
    }

    /// The link has the key (what the licence end's indexes start with).
    fn present(&self) -> SimpleExpr {
        Expr::expr(Expr::col(self.column()).is_null()).eq(false)
    }

    /// The condition on a link, written as `served` says.
    fn on_link(&self, backend: sea_orm::DatabaseBackend, served: Served<'_>) -> SimpleExpr {
        let indexed = matches!(served, Served::ByIndex { .. });
        let column = self.column();
        let name = sea_orm::sea_query::Iden::to_string(&column);
        let sqlite = backend == sea_orm::DatabaseBackend::Sqlite;
        let key = || -> SimpleExpr {
            match (indexed, sqlite, self) {
                (true, _, _) => Expr::col(column).into(),
                (false, true, _) => Expr::cust(format!("+\"{name}\"")),
                (false, false, Self::TargetUsers { .. }) => Expr::col(column).add(0),
                (false, false, Self::Time { .. }) => Expr::cust(format!("(\"{name}\" + INTERVAL '0 seconds')")),
                (false, false, Self::Tags { .. } | Self::ResellerName { .. } | Self::NameGram { .. }) => {
                    Expr::col(column).into()
                }
            }
        };
        match (self, served) {
            (Self::Tags { values, .. }, Served::ByIndex { root }) if self.gatherable() => {
                // The root's companies with one of the tags, from the tags kept per manager (a
                // tag common elsewhere may be rare in the scope).
                let with_tag = Query::select()
                    .column(Alias::new("descendant_id"))
                    .from(Alias::new("company_tree_tags"))
                    .and_where(Expr::col(Alias::new("ancestor_id")).eq(root))
                    .and_where(Expr::col(Alias::new("tag")).is_in(values.iter().cloned()))
                    .to_owned();
                Expr::col(company_tree::Column::DescendantId).in_subquery(with_tag)
            }
            (Self::Tags { operator, values }, _) => tags_match(backend, &name, *operator, values),
            (Self::ResellerName { operator, values }, Served::ByIndex { root }) if self.gatherable() => {
                // The companies directly below a parent of one of the names (whose name contains
                // the text, for `Contains`: from the names' trigram index, as a name search)
                // that is the root or below it (a name common elsewhere may be rare there).
                let c = Alias::new("rc");
                let named = match operator {
                    Operator::Contains => {
                        let found = filter::name_search_values(sqlite, &values[0]);
                        filter::name_search_predicate(sqlite, Func::lower(s(S::Name)).into(), s(S::Id), &found)
                    }
                    _ => Expr::expr(Func::lower(s(S::Name))).is_in(values.iter().cloned()),
                };
                let in_scope = Query::select()
                    .column(company_tree::Column::DescendantId)
                    .from(company_tree::Entity)
                    .and_where(Expr::col(company_tree::Column::AncestorId).eq(root))
                    .to_owned();
                let parents = Query::select()
                    .column((S::Table, companies::Column::Id))
                    .from_as(companies::Entity, S::Table)
                    .and_where(named)
                    .and_where(Expr::col((S::Table, companies::Column::Id)).in_subquery(in_scope))
                    .to_owned();
                let below = Query::select()
                    .column((c.clone(), companies::Column::Id))
                    .from_as(companies::Entity, c.clone())
                    .and_where(Expr::col((c, companies::Column::ParentId)).in_subquery(parents))
                    .to_owned();
                Expr::col(company_tree::Column::DescendantId).in_subquery(below)
            }
            (Self::ResellerName { operator, values }, _) => {
                let named = Func::lower(Func::coalesce([Expr::col(column).into(), Expr::val("").into()]));
                text_match(sqlite, named.into(), *operator, values)
            }
            (Self::NameGram { gram }, Served::ByIndex { .. }) => {
                // The companies whose names have the gram, from the grams' own table.
                let with_gram = Query::select()
                    .column(Alias::new("company_id"))
                    .from(Alias::new("company_name_grams"))
                    .and_where(Expr::col(Alias::new("gram")).eq(gram.clone()))
                    .to_owned();
                if sqlite {
                    return Expr::col(company_tree::Column::DescendantId).in_subquery(with_gram);
                }
                // Read first, then looked up by key: PostgreSQL estimates a gram's companies from
                // its statistics (thousands for one it has not sampled) and scanned every link
                // of the scope to join them.
                Expr::cust_with_expr("\"descendant_id\" = ANY(ARRAY $1)", crate::statement::scalar(with_gram))
            }
            (Self::NameGram { gram }, Served::ByWalk) => {
                contains_text(sqlite, Func::lower(Expr::col(column)).into(), gram)
            }
            (Self::TargetUsers { operator, values }, _) => compare(key(), *operator, values),
            (Self::Time { ranges, or_missing, .. }, _) => {
                let matching = in_ranges(key, ranges);
                if *or_missing {
                    Condition::any().add(matching).add(Expr::col(column).is_null()).into()
                } else if indexed {
                    self.present().and(matching)
                } else {
                    matching
                }
            }
        }
    }

    /// Whether a page gathered from the condition's own index starts from the ids it lists (see
    /// `Narrowing::ids_first`): those of a name's gram, whose table says nothing of the scope. (A
    /// tag's or a reseller name's companies are left to the planners, which did as well with them.)
    fn ids_first(&self) -> bool {
        match self {
            Self::TargetUsers { .. } | Self::Time { .. } | Self::Tags { .. } | Self::ResellerName { .. } => false,
            Self::NameGram { .. } => true,
        }
    }

    /// A range of the order's key that holds every match, from the condition's own index (on the
    /// links, unqualified): a walk along the order then starts at its first match instead of
    /// passing the links before it. For a name's gram by name: the smallest and largest names
    /// with the gram (names with a rare letter may all sort late; the gram's table has no scope,
    /// so the range may be wider than the scope's matches).
    pub(super) fn order_range(&self, order_by: super::OrderBy) -> Option<SimpleExpr> {
        let Self::NameGram { gram } = self else { return None };
        if order_by != super::OrderBy::CompanyName {
            return None;
        }
        let name = || Expr::col(Alias::new("name"));
        let extreme = |of: SimpleExpr| {
            crate::statement::scalar(
                Query::select()
                    .expr(of)
                    .from(Alias::new("company_name_grams"))
                    .and_where(Expr::col(Alias::new("gram")).eq(gram.clone()))
                    .to_owned(),
            )
        };
        let key = || Expr::col(company_tree::Column::Name);
        Some(key().gte(extreme(Func::min(name()).into())).and(key().lte(extreme(Func::max(name()).into()))))
    }

    /// Whether the condition is one range of its key (so its index reads the matches in order).
    fn one_range(&self) -> bool {
        match self {
            Self::TargetUsers { operator, .. } => !matches!(operator, Operator::Ne | Operator::Include),
            Self::Time { ranges, or_missing, .. } => ranges.len() == 1 && !or_missing,
            Self::Tags { .. } | Self::ResellerName { .. } | Self::NameGram { .. } => false,
        }
    }
}

/// How a condition on a link is written.
#[derive(Clone, Copy)]
enum Served<'a> {
    /// So that no index serves it: the order's index is walked instead.
    ByWalk,
    /// As the key's own index serves it, on the links of the manager `root`.
    ByIndex { root: &'a str },
}

/// A condition every match meets whose own index finds its few matches under the manager `root`
/// (see `Gateway::anchor`).
pub(super) struct Anchor {
    counted: Counted,
    root: String,
}

impl Anchor {
    /// The condition on the root's links, as its index serves it.
    pub(super) fn condition(&self, backend: sea_orm::DatabaseBackend) -> SimpleExpr {
        self.counted.on_link(backend, Served::ByIndex { root: &self.root })
    }

    /// Whether the page starts from the ids the condition lists (see `Narrowing::ids_first`).
    pub(super) fn ids_first(&self) -> bool {
        self.counted.ids_first()
    }
}

/// How a page of a counted search is read off the tree.
#[derive(Clone, Copy)]
enum Reading {
    /// Along the order's index, checking the condition on each link (stopping after `at_most`).
    Walk { at_most: Option<u64> },
    /// The matches from the condition's own index, sorted.
    Gather,
}

impl Gateway {
    /// The companies under `root` that `counted` matches (only those exceeding their licence, if
    /// `only_exceeded`): how many, how many exceed their licence, and how many the search covers.
    async fn counted_sums(&self, root: &Root, counted: &Counted, only_exceeded: bool) -> Result<Sums, DbErr> {
        let sums = self.counted_sums_statement(root, counted, only_exceeded);
        let sums = Sums::find_by_statement(self.backend().build(&sums)).one(&self.db).await?;
        Ok(sums.unwrap_or(Sums { total: 0, limit_exceeded: 0, scope: 0 }))
    }

    /// One row of [`Sums`]: `total`, `limit_exceeded` and `scope` (see `counted_sums`).
    fn counted_sums_statement(&self, root: &Root, counted: &Counted, only_exceeded: bool) -> SelectStatement {
        let backend = self.backend();
        let root_id = root.id().to_owned();
        // The totals: the root's facet rows, and the root's own link when it is searched too.
        let mut counted_rows = Query::select();
        counted_rows
            .expr_as(Expr::col(Alias::new("companies")), Alias::new("n"))
            .expr_as(Expr::col(Alias::new("exceeded")), Alias::new("e"))
            .from(Alias::new("company_facets"))
            .and_where(Expr::col(Alias::new("ancestor_id")).eq(root_id.clone()))
            .and_where(counted.on_facets(backend));
        if only_exceeded {
            counted_rows.and_where(Expr::col(Alias::new("exceeded")).into());
        }
        if let Some(partial) = counted.partial_days() {
            let mut links = Query::select();
            links
                .expr(Expr::val(1i64))
                .column(company_tree::Column::LimitExceeded)
                .from(company_tree::Entity)
                .and_where(Expr::col(company_tree::Column::AncestorId).eq(root_id.clone()))
                .and_where(Expr::col(company_tree::Column::Depth).gt(0))
                .and_where(partial);
            if only_exceeded {
                links.and_where(Expr::col(company_tree::Column::LimitExceeded).into());
            }
            counted_rows.union(UnionType::All, links);
        }
        if root.itself() {
            // Checked on the one link read (not gathered from the condition's index).
            counted_rows
                .union(UnionType::All, own_link(&root_id, counted.on_link(backend, Served::ByWalk), only_exceeded));
        }
        let (all, all_exceeded) = kept_counts(root_id.clone().into(), root.itself());
        summed(counted_rows).expr_as(if only_exceeded { all_exceeded } else { all }, Alias::new("scope")).to_owned()
    }

    /// The totals of a filter over active target users and tags only, in any combination and with
    /// no search text, summed over the root's rows of the facet of the two (one per distinct count
    /// and tag set; see `facet::TARGET_USERS_BY_TAG_SET`), with the root's own link (checked with
    /// `on_links`) where it is searched too: one row, `total` and `limit_exceeded`. None for any
    /// other filter.
    pub(super) fn joint_totals(
        &self,
        root: &Root,
        filter: &filter::Filter,
        on_links: &filter::Compiled,
        only_exceeded: bool,
    ) -> Option<SelectStatement> {
        let sqlite = self.backend() == sea_orm::DatabaseBackend::Sqlite;
        let on_facet = filter::compile_for(filter, sqlite, Utc::now(), filter::Rows::TargetUsersByTagSet).ok()?;
        let root_id = root.id().to_owned();
        let col = |name: &str| Expr::col((S::Table, Alias::new(name)));
        let mut rows = Query::select();
        rows.expr_as(col("companies"), Alias::new("n"))
            .expr_as(col("exceeded"), Alias::new("e"))
            .from_as(Alias::new("company_facets"), S::Table)
            .and_where(col("ancestor_id").eq(root_id.clone()))
            .and_where(col("facet").eq(facet::TARGET_USERS_BY_TAG_SET))
            .and_where(on_facet.predicate);
        if only_exceeded {
            rows.and_where(col("exceeded").into());
        }
        if root.itself() {
            rows.union(UnionType::All, own_link(&root_id, on_links.predicate.clone(), only_exceeded));
        }
        Some(summed(rows))
    }

    /// The totals of a filter that is `A OR rest`, where the facets count `A` and `rest` requires
    /// a condition with few matches: `A`'s from the facets plus those of `rest AND NOT A`, gathered
    /// from that condition's index (one row: `total`, `limit_exceeded`). None if no split fits;
    /// the totals are then counted over every link (as many JSON or text tests as links).
    pub(super) async fn split_totals(
        &self,
        root: &Root,
        filter: &filter::Filter,
        only_exceeded: bool,
    ) -> Result<Option<SelectStatement>, DbErr> {
        let backend = self.backend();
        // A few tries at most: each costs a read of the facets.
        for (counted, rest) in filter.split_counted_or(Utc::now()).into_iter().take(4) {
            let Some(anchor) = self.anchor(root, &rest, only_exceeded).await? else { continue };
            let Some(mut rest) = self.compile_on_links(&rest) else { continue };
            let outside = Func::coalesce([counted.on_link(backend, Served::ByWalk), Expr::val(false).into()]);
            rest.predicate = anchor.condition(backend).and(rest.predicate).and(Expr::expr(outside).not());
            let rest = super::walked::totals(root, &rest, false, only_exceeded);
            let (a, b) = (Alias::new("a"), Alias::new("b"));
            let sum = |column: &str| {
                Expr::col((a.clone(), Alias::new(column))).add(Expr::col((b.clone(), Alias::new(column))))
            };
            let statement = Query::select()
                .expr_as(sum("total"), Alias::new("total"))
                .expr_as(sum("limit_exceeded"), Alias::new("limit_exceeded"))
                .from_subquery(self.counted_sums_statement(root, &counted, only_exceeded), a)
                .from_subquery(rest, b.clone())
                .to_owned();
            return Ok(Some(statement));
        }
        Ok(None)
    }

    /// Of the conditions every match of `filter` must meet, the one the facets count that matches
    /// the fewest companies under `root`, as a condition on the links that its own index serves,
    /// where gathering its matches is cheaper than walking the whole scope (see `counted_page`).
    pub(super) async fn anchor(
        &self,
        root: &Root,
        filter: &filter::Filter,
        only_exceeded: bool,
    ) -> Result<Option<Anchor>, DbErr> {
        let mut best: Option<(u64, Counted)> = None;
        for counted in filter.required_counted(Utc::now()).into_iter().filter(Counted::gatherable) {
            let sums = self.counted_sums(root, &counted, only_exceeded).await?;
            let (total, scope) = (sums.total.max(0) as u64, sums.scope.max(0) as u64);
            if total.saturating_mul(8) >= scope {
                continue;
            }
            let candidates = self.candidates(&counted, total, scope).await?;
            if candidates.saturating_mul(8) < scope && best.as_ref().is_none_or(|(fewest, _)| candidates < *fewest) {
                best = Some((candidates, counted));
            }
        }
        Ok(best.map(|(_, counted)| Anchor { counted, root: root.id().to_owned() }))
    }

    /// How many candidates gathering the `total` matches of `counted` out of `scope` reads: the
    /// matches, or for a name's gram, every company with it under any manager (its table has no
    /// scope), counted up to `scope`.
    async fn candidates(&self, counted: &Counted, total: u64, scope: u64) -> Result<u64, DbErr> {
        let Counted::NameGram { gram } = counted else { return Ok(total) };
        let with_gram = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("company_name_grams"))
            .and_where(Expr::col(Alias::new("gram")).eq(gram.clone()))
            .limit(scope.saturating_add(1))
            .to_owned();
        let count = Query::select()
            .expr_as(Func::count(Expr::cust("*")), Alias::new("n"))
            .from_subquery(with_gram, Alias::new("g"))
            .to_owned();
        let row = self.db.query_one(self.backend().build(&count)).await?;
        let n: i64 = row.map(|row| row.try_get("", "n")).transpose()?.unwrap_or(0);
        Ok((n.max(0) as u64).max(total))
    }

    /// The page `request` asks for of the companies under `root` that `counted` matches.
    pub(super) async fn counted_page(
        &self,
        root: &Root,
        counted: &Counted,
        request: &SearchRequest,
    ) -> Result<SearchPage, DbErr> {
        let backend = self.backend();
        let shape = PageShape::of(root, request);
        let root_id = root.id().to_owned();
        let sums = self.counted_sums(root, counted, request.only_limit_exceeded).await?;
        let (total, exceeded, scope) =
            (sums.total.max(0) as u64, sums.limit_exceeded.max(0) as u64, sums.scope.max(0) as u64);

        let (page_size, offset) = limits(request.page_number, request.page_size);
        let mut results = Vec::new();
        if offset < total {
            // Walking the order's index visits about (offset + page) x scope / matches links, or
            // more where the order correlates with the condition; gathering the matches from the
            // condition's index and sorting them, about matches.
            let name = |column| sea_orm::sea_query::Iden::to_string(&column);
            // Gathered from the key's own index, one range of it comes in the order's order.
            let same_key = counted.one_range() && name(request.order_by.tree_key().0) == name(counted.column());
            let wanted = offset.saturating_add(page_size);
            let few =
                counted.gatherable() && u128::from(total) * u128::from(total) <= u128::from(wanted) * u128::from(scope);
            // What a gather reads: the matches, or every company with a name's gram, in any scope.
            let candidates = match few {
                true => self.candidates(counted, total, scope).await?,
                false => total,
            };
            let gather = same_key || (few && (candidates == total || candidates.saturating_mul(4) <= scope));
            // On PostgreSQL a walk on the tags, the reseller name or a name's gram is bounded: it
            // stops after four times the links it is expected to pass, plus 64. Estimating a
            // `LIKE` or a JSON test on the links as matching a handful, PostgreSQL would otherwise scan and sort the
            // whole scope rather than read the order's index; the bound's own `LIMIT` over that
            // index keeps it there (and it stops at the page's end). Its estimates of a count or a
            // time range come from the column statistics and need no bound. A page not full at
            // the bound (the order runs against the condition) is gathered where that is cheaper
            // than walking the whole scope (a gathered match costs up to about eight links walked:
            // an index read and its share of the sort), else walked on sixteen times as far, then
            // to the end. SQLite walks unbounded: it reads a bounded walk to its bound before
            // sorting what matched.
            let expected = u128::from(wanted) * u128::from(scope) / u128::from(total);
            let bound = u64::try_from(expected * 4 + 64).unwrap_or(u64::MAX);
            let gather_cheaper = counted.gatherable() && candidates.saturating_mul(8) < scope;
            let misestimated =
                matches!(counted, Counted::Tags { .. } | Counted::ResellerName { .. } | Counted::NameGram { .. });
            let bounded = backend == sea_orm::DatabaseBackend::Postgres && misestimated && bound < scope;
            let mut reading = match gather {
                true => Reading::Gather,
                false => Reading::Walk { at_most: bounded.then_some(bound) },
            };
            let rows_due = page_size.min(total - offset) as usize;
            loop {
                let walk = matches!(reading, Reading::Walk { .. });
                let narrowing = Narrowing {
                    condition: counted
                        .on_link(backend, if walk { Served::ByWalk } else { Served::ByIndex { root: &root_id } }),
                    totals: (Expr::val(total as i64).into(), Expr::val(exceeded as i64).into()),
                    counted: None,
                    order_unindexed: !walk && !same_key,
                    // SQLite only: PostgreSQL turns `(key IS NULL) = false` into `key IS NOT NULL`,
                    // which its index on `(key IS NULL)` cannot serve; ordered by `key IS NULL` too,
                    // it reads that index in order.
                    key_present: backend == sea_orm::DatabaseBackend::Sqlite
                        && !walk
                        && same_key
                        && matches!(counted, Counted::Time { or_missing: false, .. }),
                    walk_at_most: match reading {
                        Reading::Walk { at_most } => at_most,
                        Reading::Gather => None,
                    },
                    ids_first: !walk && counted.ids_first(),
                    key_range: walk.then(|| counted.order_range(request.order_by)).flatten(),
                };
                let statement =
                    super::build_kept_page(backend, shape, root_id.clone().into(), page_size, offset, Some(narrowing));
                let rows = self.page_rows(statement, Plan::ForValues).await?;
                self.telemetry.count("companygate_search_rows_loaded_total", &[], rows.len() as u64);
                // A bounded walk that came short passed too few links to hold the page.
                if matches!(reading, Reading::Walk { at_most: Some(_) }) && rows.len() < rows_due {
                    self.telemetry.count("companygate_search_walks_cut_short_total", &[], 1);
                    reading = match reading {
                        _ if gather_cheaper => Reading::Gather,
                        Reading::Walk { at_most: Some(at_most) } => {
                            let further = at_most.saturating_mul(16);
                            Reading::Walk { at_most: (further < scope).then_some(further) }
                        }
                        _ => Reading::Walk { at_most: None },
                    };
                    continue;
                }
                results = rows.into_iter().map(super::PageRow::hit).collect();
                break;
            }
        }
        Ok(SearchPage::of(request.page_number, page_size, (total, exceeded), results))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_range_splits_into_whole_days_and_the_parts_at_its_ends() {
        let d = |day: u32| day_of(at(day, 0));
        // Whole days only.
        assert_eq!(split((Some(at(2, 0)), Some(at(5, 0)))), (Some((Some(d(2)), Some(d(5)))), vec![]));
        // An instant at each end: the rest of its day and the start of the last.
        assert_eq!(
            split((Some(at(2, 6)), Some(at(5, 18)))),
            (Some((Some(d(3)), Some(d(5)))), vec![(Some(at(2, 6)), Some(at(3, 0))), (Some(at(5, 0)), Some(at(5, 18)))])
        );
        // Within one day: no whole day, the range itself from the links.
        assert_eq!(split((Some(at(2, 6)), Some(at(2, 7)))), (None, vec![(Some(at(2, 6)), Some(at(2, 7)))]));
        assert_eq!(split((Some(at(2, 7)), Some(at(2, 6)))), (None, vec![]));
        // Open on one side.
        assert_eq!(split((None, Some(at(4, 12)))), (Some((None, Some(d(4)))), vec![(Some(at(4, 0)), Some(at(4, 12)))]));
        assert_eq!(split((Some(at(4, 0)), None)), (Some((Some(d(4)), None)), vec![]));
    }
}
