-- The index by visitor no longer repeats the time (a visitor has few visits; they are sorted after
-- the lookup). (SQLite also drops AUTOINCREMENT here; PostgreSQL's sequence has no such cost.)
DROP INDEX link_visits_by_visitor;
CREATE INDEX link_visits_by_visitor ON link_visits (visitor);
