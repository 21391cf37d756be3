from tlsconf.cli import main

main()
