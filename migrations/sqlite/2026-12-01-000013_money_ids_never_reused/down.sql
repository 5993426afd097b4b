-- AUTOINCREMENT is kept: taking it away would only allow ids to be reused again.
SELECT 1;
