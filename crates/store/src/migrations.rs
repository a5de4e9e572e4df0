//! Versioned schema migrations (`PRAGMA user_version`). Append only: never edit one that has landed.

use rusqlite_migration::{M, Migrations};

use crate::StoreError;

pub(crate) const MIGRATIONS: &[M<'static>] = &[
    M::up(crate::captures::SCHEMA_V1),
    M::up(crate::endpoints::SCHEMA_V2),
    M::up(crate::captures::SCHEMA_V3),
    M::up(crate::destinations::SCHEMA_V4),
    M::up(crate::events::SCHEMA_V5),
    M::up(crate::breakers::SCHEMA_V6),
    M::up(crate::settings::SCHEMA_V7),
    M::up(crate::events::SCHEMA_V8),
    M::up(crate::batches::SCHEMA_V9),
    M::up(crate::search::SCHEMA_V10),
    M::up(crate::metrics::SCHEMA_V11),
    M::up(crate::events::SCHEMA_V12),
    M::up(crate::search::SCHEMA_V13),
    M::up(crate::captures::SCHEMA_V14),
];

pub fn apply(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
    Migrations::from_slice(MIGRATIONS).to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(rusqlite_migration::Migrations::from_slice(super::MIGRATIONS).validate().is_ok());
    }
}
