from arrears.cli.app import main

main()
