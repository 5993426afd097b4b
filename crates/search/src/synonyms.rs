//! Synonym groups (充电宝 = 移动电源 = power bank), edited by admins and kept in the database. A
//! query that contains any member matches products that mention any member.

use crate::SearchError;
use bazaar_db::DbConn;
use bazaar_db::schema::search_synonyms;
use diesel::prelude::*;

const MAX_GROUPS: usize = 500;
const MAX_MEMBERS: usize = 10;
const MAX_MEMBER_CHARS: usize = 30;

/// Groups of lowercase phrases.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

impl Synonyms {
    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    pub fn load(conn: &mut DbConn) -> Result<Synonyms, SearchError> {
        let rows: Vec<String> =
            search_synonyms::table.order(search_synonyms::id).select(search_synonyms::members).load(conn)?;
        let groups = rows.iter().filter_map(|row| serde_json::from_str::<Vec<String>>(row).ok()).collect();
        Ok(Synonyms { groups })
    }

    /// Checks and stores a new list of groups (replacing the old one).
    pub fn replace(
        conn: &mut DbConn,
        groups: Vec<Vec<String>>,
        now: chrono::NaiveDateTime,
    ) -> Result<Synonyms, SearchError> {
        if groups.len() > MAX_GROUPS {
            return Err(SearchError::invalid("groups", format!("at most {MAX_GROUPS} groups")));
        }
        let mut clean = Vec::with_capacity(groups.len());
        for group in groups {
            let mut members: Vec<String> =
                group.iter().map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty()).collect();
            members.dedup();
            if members.len() < 2 || members.len() > MAX_MEMBERS {
                return Err(SearchError::invalid(
                    "groups",
                    format!("each group needs 2 to {MAX_MEMBERS} different phrases"),
                ));
            }
            if members.iter().any(|m| m.chars().count() > MAX_MEMBER_CHARS) {
                return Err(SearchError::invalid(
                    "groups",
                    format!("a phrase has at most {MAX_MEMBER_CHARS} characters"),
                ));
            }
            clean.push(members);
        }
        bazaar_db::write_transaction(conn, |conn| {
            diesel::delete(search_synonyms::table).execute(conn)?;
            for members in &clean {
                let json = serde_json::to_string(members).unwrap_or_default();
                diesel::insert_into(search_synonyms::table)
                    .values((search_synonyms::members.eq(json), search_synonyms::created_at.eq(now)))
                    .execute(conn)?;
            }
            Ok::<_, SearchError>(())
        })?;
        Ok(Synonyms { groups: clean })
    }
}
