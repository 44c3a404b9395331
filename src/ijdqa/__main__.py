from ijdqa.cli import main

raise SystemExit(main())
