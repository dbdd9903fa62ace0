"""Report sections: one function per section of a report notebook; each renders through dealresearch.present."""
