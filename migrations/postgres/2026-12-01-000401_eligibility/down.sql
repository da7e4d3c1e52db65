DROP TABLE eligibility_checks;
