-- Indexes for the national lists (measured with scripts/loadtest): facilities in area order
-- and per area without a prefecture; doctors by graduation year and status without one.
CREATE INDEX facilities_area_id ON facilities (area, id);
CREATE INDEX doctors_graduation_status ON doctors (graduation_year, status);
CREATE INDEX doctors_status ON doctors (status);
