from pyic.cli.main import main

main()
