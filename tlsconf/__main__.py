from tlsconf.process import run

run()
