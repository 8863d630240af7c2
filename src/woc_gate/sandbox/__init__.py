"""The reference WorkOnClock stack: a throwaway stand-in on loopback that the suite runs against."""
