DROP INDEX orders_user_status;
