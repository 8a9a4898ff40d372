"""Pages for 居宅サービス計画書 (第1表・第2表・第3表), versions and 交付, one module per table:

``plans``   lists, a new plan, the printed view, 確定 / 再開 / 交付 / deletion (versions)
``table1``  第1表          ``table2``  第2表 and its in-place editor          ``table3``  第3表
``common``  what they share (roles, loading a plan, the version header, the lock trigger)

Views are thin: forms parse, services write, selectors read. Every edit sends the page's
``lock_version``; a stale one answers with a conflict notice and writes nothing.
The 第2表 editor and the 第3表 grid work with htmx (in-place) and without JavaScript
(plain POST + redirect). The standard-CSV download of a plan is ``linkage.exchange.views.downloads``.
"""
