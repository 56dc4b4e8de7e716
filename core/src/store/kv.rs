//! Small settings and cursors (tenant config, sync cursors, ETags).

use rusqlite::OptionalExtension;

use super::Store;
use crate::error::Result;

impl Store {
    pub fn kv_get(&self, key: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    pub fn kv_set(&self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO kv(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }

    pub fn kv_delete(&self, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("DELETE FROM kv WHERE key = ?1", [key])?;
            Ok(())
        })
    }
}
