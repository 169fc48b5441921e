SELECT * FROM encounters WHERE mrn = 'E277062666' ORDER BY admitted DESC;
