-- Runs once, on the first start of the postgres container (empty volume), as the
-- superuser. Same result as scripts/stack/stack.sh: role/db "platform" + 4 schemas.
CREATE ROLE platform LOGIN CREATEDB PASSWORD 'platform';
CREATE DATABASE platform OWNER platform;
\connect platform
CREATE SCHEMA IF NOT EXISTS bid AUTHORIZATION platform;
CREATE SCHEMA IF NOT EXISTS routing AUTHORIZATION platform;
CREATE SCHEMA IF NOT EXISTS compliance AUTHORIZATION platform;
CREATE SCHEMA IF NOT EXISTS analytics AUTHORIZATION platform;
