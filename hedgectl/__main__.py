from hedgectl.cli.app import main

main()
