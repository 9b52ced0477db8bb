-- Run once by the postgres image on an empty data volume (compose.yaml): MLflow's backend
-- store gets a database of its own beside the service DB (POSTGRES_DB, "forecast").
CREATE DATABASE mlflow;
