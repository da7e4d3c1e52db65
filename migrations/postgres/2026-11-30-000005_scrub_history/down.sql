DROP TABLE claim_services;
