DROP INDEX link_visits_by_visitor;
CREATE INDEX link_visits_by_visitor ON link_visits (visitor, visited_at);
