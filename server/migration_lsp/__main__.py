from migration_lsp.cli.main import main

raise SystemExit(main())
