//! Statements whose text depends only on a few choices (their shape: which order, whether the root
//! itself is included...), not on the request's values: built with sea-query once per database and
//! shape, after which only their values change per request. Building a statement costs a
//! measurable share of a short read (a quarter of a company record read on SQLite, a sixth of a
//! page of managed companies).
//!
//! The builder is given the parameters as values and may bind each anywhere, any number of times:
//! the first build uses a distinct stand-in for each parameter and remembers which bound value is
//! which parameter, so a request's values land where the builder put them.
use std::sync::OnceLock;

use sea_orm::sea_query::{SelectStatement, SimpleExpr};
use sea_orm::{DatabaseBackend, Statement, Value};

/// The templates of one statement with `N` shapes, for each database.
pub(crate) struct Shaped<const N: usize> {
    templates: [[OnceLock<Template>; N]; 2],
}

/// A statement's text and, for each value it binds, where the value comes from.
struct Template {
    text: String,
    slots: Vec<Slot>,
}

enum Slot {
    /// The request's parameter at this index.
    Parameter(usize),
    /// A value the builder bound itself (the same for every request).
    Fixed(Value),
}

/// A value of the same kind as `value`, different from that of any other index, and one a
/// builder would not bind by itself.
fn stand_in(index: usize, value: &Value) -> Value {
    match value {
        Value::String(_) => Value::from(format!("\u{0}parameter {index}\u{0}")),
        Value::BigUnsigned(_) => Value::BigUnsigned(Some(u64::MAX - index as u64)),
        Value::BigInt(_) => Value::BigInt(Some(i64::MIN + index as i64)),
        Value::Int(_) => Value::Int(Some(i32::MIN + index as i32)),
        other => panic!("no stand-in for a parameter of this kind: {other:?}"),
    }
}

/// `(SELECT query)` as a value.
pub(crate) fn scalar(query: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(query.into_sub_query_statement()))
}

/// A page's limit or offset, as a builder receives it among the parameters.
pub(crate) fn unsigned(value: &Value) -> u64 {
    match value {
        Value::BigUnsigned(Some(n)) => *n,
        other => panic!("not an unsigned parameter: {other:?}"),
    }
}

/// A text parameter, as a builder receives it among the parameters.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(Some(text)) => text.as_str().to_owned(),
        other => panic!("not a text parameter: {other:?}"),
    }
}

impl<const N: usize> Shaped<N> {
    pub(crate) const fn new() -> Self {
        Self { templates: [const { [const { OnceLock::new() }; N] }; 2] }
    }

    /// The statement of `shape` for `backend` with `parameters`; `build` builds it from parameters
    /// given as values (the first time only, with stand-ins).
    pub(crate) fn statement(
        &self,
        backend: DatabaseBackend,
        shape: usize,
        parameters: Vec<Value>,
        build: impl FnOnce(&[Value]) -> Statement,
    ) -> Statement {
        let of_backend = usize::from(backend != DatabaseBackend::Postgres);
        let template = self.templates[of_backend][shape].get_or_init(|| {
            let stand_ins: Vec<Value> = parameters.iter().enumerate().map(|(i, v)| stand_in(i, v)).collect();
            let built = build(&stand_ins);
            let slots = built
                .values
                .map(|values| values.0)
                .unwrap_or_default()
                .into_iter()
                .map(|value| match stand_ins.iter().position(|s| *s == value) {
                    Some(index) => Slot::Parameter(index),
                    None => {
                        // A parameter the builder changed (a pattern made of it, say) would be
                        // kept as the stand-in's variant for every request: refused at once.
                        let changed = matches!(&value, Value::String(Some(text)) if text.contains('\u{0}'));
                        assert!(!changed, "a kept statement's builder must bind its parameters unchanged");
                        Slot::Fixed(value)
                    }
                })
                .collect();
            Template { text: built.sql, slots }
        });
        let values = template.slots.iter().map(|slot| match slot {
            Slot::Parameter(index) => parameters[*index].clone(),
            Slot::Fixed(value) => value.clone(),
        });
        Statement::from_sql_and_values(backend, template.text.clone(), values)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Alias, Expr, Query};

    use super::*;

    /// Binds the owner twice, a fixed value between, and the limit last.
    fn by_owner(backend: DatabaseBackend, parameters: &[Value]) -> Statement {
        let query = Query::select()
            .column(Alias::new("name"))
            .from(Alias::new("things"))
            .and_where(Expr::col(Alias::new("owner")).eq(parameters[0].clone()))
            .and_where(Expr::col(Alias::new("kind")).eq("fixed"))
            .and_where(Expr::col(Alias::new("maker")).ne(parameters[0].clone()))
            .limit(unsigned(&parameters[1]))
            .to_owned();
        backend.build(&query)
    }

    #[test]
    #[should_panic(expected = "unchanged")]
    fn a_builder_that_changes_a_parameter_is_refused() {
        static KEPT: Shaped<1> = Shaped::new();
        KEPT.statement(DatabaseBackend::Sqlite, 0, vec![Value::from("a")], |p| {
            let Value::String(Some(text)) = &p[0] else { unreachable!() };
            let query = Query::select()
                .column(Alias::new("name"))
                .from(Alias::new("things"))
                .and_where(Expr::col(Alias::new("name")).like(format!("%{text}%")))
                .to_owned();
            DatabaseBackend::Sqlite.build(&query)
        });
    }

    #[test]
    fn a_kept_statement_binds_like_a_fresh_build() {
        static KEPT: Shaped<1> = Shaped::new();
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            for (owner, limit) in [("a", 10u64), ("b", 20)] {
                let parameters = vec![Value::from(owner), Value::from(limit)];
                let kept = KEPT.statement(backend, 0, parameters.clone(), |p| by_owner(backend, p));
                let built = by_owner(backend, &parameters);
                assert_eq!((kept.sql, kept.values), (built.sql, built.values), "{backend:?}");
            }
        }
    }
}
