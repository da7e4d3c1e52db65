DROP TABLE frequency_rules;
