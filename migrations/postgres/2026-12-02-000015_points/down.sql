DROP TABLE check_ins;
DROP TABLE point_entries;
DROP TABLE point_balances;
