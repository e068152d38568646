from migration_lsp.main import main

raise SystemExit(main())
