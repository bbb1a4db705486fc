from pligos_tui.cli import main

raise SystemExit(main())
