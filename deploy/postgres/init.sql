-- One database per service (the services create their schemas, roles and extensions).
CREATE DATABASE erp_finance;
CREATE DATABASE erp_customers;
CREATE DATABASE erp_supplychain;
CREATE DATABASE erp_hr;
CREATE DATABASE erp_sales;
CREATE DATABASE erp_gateway;
