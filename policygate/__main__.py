from policygate.cli import main

main()
