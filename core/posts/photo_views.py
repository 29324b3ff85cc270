"""Views of photos: uploads, photo pages and the files themselves."""
