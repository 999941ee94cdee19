"""The phase scheduler: moves processes to the phases their schedule makes due."""
