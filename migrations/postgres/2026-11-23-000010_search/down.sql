DROP INDEX shops_location;
DROP TABLE search_synonyms;
