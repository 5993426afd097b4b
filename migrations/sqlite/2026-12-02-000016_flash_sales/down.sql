DROP TABLE flash_reservations;
DROP TABLE flash_buyers;
DROP TABLE flash_sales;
