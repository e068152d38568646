"""The one check path both reporters call: select, run, suppress, check_project, verify_project."""
