"""The tutorial models, one short file each."""
