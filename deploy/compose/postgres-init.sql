-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d).
-- Each service owns its own database; the compose stack uses the one superuser-owned role
-- `streetcare` (POSTGRES_USER) for all three. In production give each service its own role.
CREATE DATABASE scheduling;
CREATE DATABASE reports;
CREATE DATABASE volunteers;
