import sys

from eligibility import recheck

# re-run for MBI 7AR5UG6WM83 (failed on 6/11, payer timeout)
if __name__ == "__main__":
    sys.exit(recheck(sys.argv[1:]))
