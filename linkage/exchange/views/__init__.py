"""Pages of the exchange (thin views; writes in services), one module per concern:

``certificates``  the office's electronic certificates
``checking``      標準仕様CSVチェック
``sending``       outbox, month and plan sends, batches, packages, 予定削除
``downloads``     the standard-CSV ZIPs of one 利用票 or one 計画書, linked from those pages
``receiving``     inbox, uploads, received packages and plans
``actuals``       the provider's サービス提供票 and 実績, the care manager's 予実
"""
