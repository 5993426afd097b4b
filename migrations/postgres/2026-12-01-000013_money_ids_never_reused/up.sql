-- PostgreSQL identity columns never hand an id out twice; only SQLite needed AUTOINCREMENT.
SELECT 1;
