-- On the coordinator: the service databases, each with the Citus extension, schema-based
-- sharding on, and the two workers registered. Every schema created from now on (a tenant's)
-- is distributed whole to one worker.
CREATE DATABASE erp_finance;
CREATE DATABASE erp_customers;
CREATE DATABASE erp_supplychain;
CREATE DATABASE erp_hr;
CREATE DATABASE erp_sales;
CREATE DATABASE erp_gateway;
\c erp_finance
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('postgres', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
\c erp_customers
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('postgres', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
\c erp_supplychain
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('postgres', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
\c erp_hr
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('postgres', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
\c erp_sales
CREATE EXTENSION citus;
SELECT citus_set_coordinator_host('postgres', 5432);
SELECT citus_add_node('worker-1', 5432);
SELECT citus_add_node('worker-2', 5432);
