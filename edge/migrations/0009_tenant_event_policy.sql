-- A tenant's own live-event horizon in days (NULL: the platform's EVENT_HORIZON_DAYS).
ALTER TABLE tenants ADD COLUMN event_horizon_days INTEGER CHECK (event_horizon_days IS NULL OR event_horizon_days BETWEEN 1 AND 90);
