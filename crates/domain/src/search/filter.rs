//! The search filter tree of the reseller dialect, compiled to a parameterised SQL predicate over
//! the `s` rows of the search query. Values are always bound, never spliced into the text.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    CompanyName,
    ResellerName,
    LicenseEndDate,
    CreateTime,
    TargetUserCount,
    LicenceExpired,
    Tags,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl Condition {
    fn sql(self) -> &'static str {
        match self {
            Self::And => " AND ",
            Self::Or => " OR ",
        }
    }
}

impl Operator {
    fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Le => "<=",
            Self::Contains => "LIKE",
            Self::Include => "IN",
        }
    }
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

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub condition: Option<Condition>,
    /// Case-insensitive text matched against the company name.
    pub text: Option<String>,
    pub groups: Vec<FilterGroup>,
}

#[derive(Clone, Debug)]
pub struct FilterGroup {
    pub condition: Condition,
    pub items: Vec<FilterItem>,
    pub groups: Vec<FilterGroup>,
}

#[derive(Clone, Debug)]
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

/// SQL text under construction with its bound values (`$1`, `$2`, ... on both databases).
#[derive(Default)]
pub(crate) struct Sql {
    pub values: Vec<Value>,
    /// Set by the caller on SQLite: name searches also consult the FTS5 trigram table of names.
    pub name_index: bool,
    /// Set by the compiler: the whole predicate requires a name search of three characters or
    /// more, which the trigram index answers, so the matching names are the cheapest place for
    /// the query to start.
    pub narrowed: bool,
}

impl Sql {
    pub fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// `$i, $j, ...` for each of `values`, for an `IN (...)` list.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> String {
        values.into_iter().map(|v| self.bind(v)).collect::<Vec<_>>().join(", ")
    }
}

pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

impl Filter {
    /// Whether the filter keeps every row: no search text and no condition in any group.
    pub fn matches_everything(&self) -> bool {
        fn empty(group: &FilterGroup) -> bool {
            group.items.is_empty() && group.groups.iter().all(empty)
        }
        self.text.as_deref().is_none_or(|t| t.trim().is_empty()) && self.groups.iter().all(empty)
    }

    /// One line per value that cannot be used (wrong type for its field, operator not allowed for
    /// the field, too deep, too many); empty when the filter compiles.
    pub fn problems(&self) -> Vec<FilterProblem> {
        compile(self, &mut Sql::default(), Utc::now()).err().unwrap_or_default()
    }
}

/// The predicate for `filter`, or one line per problem.
pub(crate) fn compile(filter: &Filter, sql: &mut Sql, now: DateTime<Utc>) -> Result<String, Vec<FilterProblem>> {
    let mut compiler = Compiler { sql, now, problems: Vec::new(), items: 0 };
    let mut parts = Vec::new();
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > MAX_SEARCH_TEXT {
            compiler.problems.push(FilterProblem::SearchTextTooLong { max: MAX_SEARCH_TEXT });
        } else {
            parts.push(compiler.contains("LOWER(s.name)", text, true));
        }
    }
    let outer = filter.condition.unwrap_or(Condition::And);
    let top = filter.groups.len() == 1 || outer == Condition::And;
    let groups: Vec<String> = filter.groups.iter().map(|g| compiler.group(g, 1, top)).collect();
    if !groups.is_empty() {
        parts.push(format!("({})", groups.join(outer.sql())));
    }
    if !compiler.problems.is_empty() {
        return Err(compiler.problems);
    }
    Ok(if parts.is_empty() { "1 = 1".into() } else { parts.join(" AND ") })
}

struct Compiler<'a> {
    sql: &'a mut Sql,
    now: DateTime<Utc>,
    problems: Vec<FilterProblem>,
    items: usize,
}

impl Compiler<'_> {
    /// `top`: the group must hold for the whole predicate to hold.
    fn group(&mut self, group: &FilterGroup, depth: usize, top: bool) -> String {
        if depth > MAX_DEPTH {
            self.problems.push(FilterProblem::NestedTooDeep { max: MAX_DEPTH });
            return "1 = 1".into();
        }
        let top = top && (group.items.len() + group.groups.len() == 1 || group.condition == Condition::And);
        let mut parts: Vec<String> = group.items.iter().map(|i| self.item(i, top)).collect();
        parts.extend(group.groups.iter().map(|g| self.group(g, depth + 1, top)));
        if parts.is_empty() {
            return "1 = 1".into();
        }
        format!("({})", parts.join(group.condition.sql()))
    }

    /// `column` contains `text`, case-insensitively. A company name searched for three characters
    /// or more is answered from a trigram index: PostgreSQL's serves the `LIKE`; on SQLite it is
    /// also looked up in the FTS5 trigram table (which matches a superset:
    /// it folds case beyond ASCII), so the query can start from the few matching names.
    fn contains(&mut self, column: &str, text: &str, top: bool) -> String {
        let like = format!("{column} LIKE {} ESCAPE '\\'", self.sql.bind(like_pattern(text)));
        let lower = text.to_lowercase();
        if !(column == "LOWER(s.name)" && lower.chars().count() >= 3) {
            return like;
        }
        // Both databases index names by trigram (PostgreSQL answers the `LIKE` itself from it).
        self.sql.narrowed |= top;
        if !self.sql.name_index {
            return like;
        }
        let phrase = self.sql.bind(format!("\"{}\"", lower.replace('"', "\"\"")));
        format!(
            "({like} AND s.id IN (SELECT cs.company_id FROM company_names n \
             JOIN company_search cs ON cs.key = n.rowid WHERE company_names MATCH {phrase}))"
        )
    }

    fn item(&mut self, item: &FilterItem, top: bool) -> String {
        self.items += 1;
        if self.items == MAX_ITEMS + 1 {
            self.problems.push(FilterProblem::TooManyConditions { max: MAX_ITEMS });
        }
        if item.value.chars().count() > MAX_VALUE {
            self.problems.push(FilterProblem::ValueTooLong { max: MAX_VALUE });
            return "1 = 1".into();
        }
        match self.try_item(item, top) {
            Ok(sql) => sql,
            Err(problem) => {
                self.problems.push(problem);
                "1 = 1".into()
            }
        }
    }

    fn try_item(&mut self, item: &FilterItem, top: bool) -> Result<String, FilterProblem> {
        let FilterItem { field, operator: op, value } = item;
        let not_for = || FilterProblem::OperatorNotForField { operator: *op, field: *field };
        match field {
            Field::CompanyName | Field::ResellerName => {
                let column =
                    if *field == Field::CompanyName { "LOWER(s.name)" } else { "LOWER(COALESCE(s.reseller_name, ''))" };
                match op {
                    Operator::Eq | Operator::Ne => {
                        Ok(format!("{column} {} {}", op.sql(), self.sql.bind(value.to_lowercase())))
                    }
                    Operator::Contains => Ok(self.contains(column, value, top)),
                    Operator::Include => Ok(format!("{column} IN ({})", self.list(value, |v| Ok(v.to_lowercase()))?)),
                    _ => Err(not_for()),
                }
            }
            Field::CreateTime | Field::LicenseEndDate => {
                let column = if *field == Field::CreateTime { "s.create_time" } else { "s.license_end_date" };
                let (from, to) =
                    time_range(value).ok_or_else(|| FilterProblem::NotATime { field: *field, value: value.clone() })?;
                let (from, to) = (self.sql.bind(from), self.sql.bind(to));
                match op {
                    Operator::Eq => Ok(format!("({column} >= {from} AND {column} < {to})")),
                    Operator::Ne => Ok(format!("({column} IS NULL OR {column} < {from} OR {column} >= {to})")),
                    Operator::Gt => Ok(format!("{column} >= {to}")),
                    Operator::Ge => Ok(format!("{column} >= {from}")),
                    Operator::Lt => Ok(format!("{column} < {from}")),
                    Operator::Le => Ok(format!("{column} < {to}")),
                    _ => Err(not_for()),
                }
            }
            Field::TargetUserCount => {
                let number = |v: &str| {
                    v.trim()
                        .parse::<i64>()
                        .map_err(|_| FilterProblem::NotAWholeNumber { field: *field, value: v.to_owned() })
                };
                match op {
                    Operator::Include => Ok(format!("s.target_user_count IN ({})", self.list(value, number)?)),
                    Operator::Contains => Err(not_for()),
                    _ => Ok(format!("s.target_user_count {} {}", op.sql(), self.sql.bind(number(value)?))),
                }
            }
            Field::LicenceExpired => {
                let wanted = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(FilterProblem::NotTrueOrFalse { field: *field, value: value.clone() }),
                };
                let expired =
                    format!("(s.license_end_date IS NOT NULL AND s.license_end_date < {})", self.sql.bind(self.now));
                match op {
                    Operator::Eq | Operator::Ne if wanted == (*op == Operator::Eq) => Ok(expired),
                    Operator::Eq | Operator::Ne => Ok(format!("NOT {expired}")),
                    _ => Err(not_for()),
                }
            }
            Field::Tags => {
                let has = |condition: String| {
                    format!("EXISTS (SELECT 1 FROM company_tags t WHERE t.company_id = s.id AND {condition})")
                };
                match op {
                    Operator::Eq => Ok(has(format!("LOWER(t.tag) = {}", self.sql.bind(value.to_lowercase())))),
                    Operator::Ne => {
                        Ok(format!("NOT {}", has(format!("LOWER(t.tag) = {}", self.sql.bind(value.to_lowercase())))))
                    }
                    Operator::Include => {
                        Ok(has(format!("LOWER(t.tag) IN ({})", self.list(value, |v| Ok(v.to_lowercase()))?)))
                    }
                    Operator::Contains => {
                        Ok(has(format!("LOWER(t.tag) LIKE {} ESCAPE '\\'", self.sql.bind(like_pattern(value)))))
                    }
                    _ => Err(not_for()),
                }
            }
        }
    }

    /// Binds each comma-separated entry of `value`.
    fn list<T: Into<Value>>(
        &mut self,
        value: &str,
        parse: impl Fn(&str) -> Result<T, FilterProblem>,
    ) -> Result<String, FilterProblem> {
        let entries: Vec<&str> = value.split(',').map(str::trim).filter(|v| !v.is_empty()).collect();
        if entries.is_empty() {
            return Err(FilterProblem::EmptyList);
        }
        let mut bound = Vec::with_capacity(entries.len());
        for entry in entries {
            bound.push(self.sql.bind(parse(entry)?));
        }
        Ok(bound.join(", "))
    }
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

    fn compiled(filter: &Filter) -> Result<(String, Vec<Value>), Vec<FilterProblem>> {
        let mut sql = Sql::default();
        let predicate = compile(filter, &mut sql, now())?;
        Ok((predicate, sql.values))
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
        assert_eq!(predicate, "(((s.create_time >= $1 AND s.create_time < $2)))", "outer, group, item");
        let day = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
        assert_eq!(values, [Value::from(day), Value::from(day + Duration::days(1))]);
        let (predicate, _) = compiled(&of(vec![item(Field::CreateTime, Operator::Gt, "2026-01-02")])).unwrap();
        assert_eq!(predicate, "((s.create_time >= $2))", "after the day: from its end");
    }

    #[test]
    fn a_name_search_narrows_only_when_the_whole_predicate_needs_it() {
        let narrowed = |filter: &Filter| {
            let mut sql = Sql::default();
            compile(filter, &mut sql, now()).unwrap();
            sql.narrowed
        };
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
}
