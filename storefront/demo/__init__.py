"""The demo store: data files, generated pictures and the seeder behind `clipper demo`."""
