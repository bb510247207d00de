"""Quality checks that span layers: totals reconciled from bronze payloads through core to every mart."""
