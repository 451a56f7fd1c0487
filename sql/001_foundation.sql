-- 001: the hub schema's privileges.
--
-- hub_owner (who runs migrations) owns every object; hub_app (what hubd logs
-- in as) may use the schema but never create in it, and gets rights table by
-- table in later migrations. The roles themselves are made by the set-up
-- (scripts/lib.sh, scripts/docker-initdb.sh), since roles are cluster-wide.
REVOKE ALL ON SCHEMA hub FROM PUBLIC;
GRANT USAGE ON SCHEMA hub TO hub_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON hub.schema_migrations FROM PUBLIC;
GRANT SELECT ON hub.schema_migrations TO hub_app;
