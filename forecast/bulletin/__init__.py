"""The weekly risk bulletin: assembled from the forecasts (``data``), drawn (``mapfig``),
put into words (``render`` with the catalogues of ``i18n``) and written (``publish``).

Importing the package loads nothing heavy; ``forecast.bulletin.publish.publish`` is the
entry point the ``forecast bulletin`` command calls.
"""
