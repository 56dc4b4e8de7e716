package vn.phananh.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.Icon
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.ProgressBarRangeInfo
import androidx.compose.ui.semantics.progressBarRangeInfo
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.OutboxEvent
import vn.phananh.ui.state.OutboxItemState
import vn.phananh.ui.state.OutboxKind
import vn.phananh.ui.state.OutboxState

/** Outbox: what is still on its way, with progress, and retry/cancel for what stopped. */
@Composable
fun OutboxScreen(state: OutboxState, onEvent: (OutboxEvent) -> Unit) {
    Scaffold(topBar = {
        PhanAnhTopBar(str(Str.outbox_title), onBack = { onEvent(OutboxEvent.Back) }) {
            if (state.items.any { it.canRetry }) {
                TextButton(onClick = { onEvent(OutboxEvent.RetryAll) }, modifier = Modifier.heightIn(min = MinTouch)) {
                    Text(str(Str.outbox_retry_all), color = MaterialTheme.colorScheme.onPrimary)
                }
            }
        }
    }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            when {
                !state.online -> InfoBanner(str(Str.outbox_offline), Icons.Filled.Warning)
                state.metered && state.wifiOnlyVideo -> InfoBanner(str(Str.outbox_metered))
            }
            state.error?.let { Column(Modifier.padding(12.dp)) { ErrorBanner(it) } }
            if (state.items.isEmpty()) {
                Text(str(Str.outbox_empty), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(32.dp))
            } else {
                LazyColumn(contentPadding = PaddingValues(12.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                    items(state.items, key = { it.clientId }) { OutboxCard(it, onEvent) }
                }
            }
        }
    }
}

@Composable
private fun OutboxCard(item: OutboxItemState, onEvent: (OutboxEvent) -> Unit) {
    val failed = item.delivery as? DeliveryState.Failed
    Card(
        colors = CardDefaults.cardColors(containerColor = if (failed != null && !failed.retryable) MaterialTheme.colorScheme.errorContainer else MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth().clickable { onEvent(OutboxEvent.Open(item.clientId)) },
    ) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Thumbnail(item.thumbnail, 56.dp, contentDescription = null)
                Spacer(Modifier.width(12.dp))
                Column(Modifier.weight(1f)) {
                    val kind = if (item.kind == OutboxKind.RATING) str(Str.outbox_kind_rating) + ": " else ""
                    Text(kind + item.title.text(), style = MaterialTheme.typography.titleSmall)
                    if (item.description.isNotBlank()) Text(item.description, style = MaterialTheme.typography.bodyMedium, maxLines = 1)
                    Text(str(Str.outbox_created, dateTime(item.createdAt)), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
            }
            Text(stepLabel(item.step), style = MaterialTheme.typography.bodyLarge)
            val progress = item.progress
            if (item.bytesTotal > 0 && progress != null) {
                val amount = str(Str.outbox_bytes, megabytes(item.bytesSent), megabytes(item.bytesTotal))
                LinearProgressIndicator(
                    progress = { progress },
                    modifier = Modifier.fillMaxWidth().heightIn(min = 8.dp).semantics {
                        progressBarRangeInfo = ProgressBarRangeInfo(progress, 0f..1f)
                        stateDescription = amount
                    },
                )
                Text(amount, style = MaterialTheme.typography.bodySmall)
            }
            if (item.attempts > 1 || item.nextAttemptAt != null) {
                val next = item.nextAttemptAt?.let { " · " + str(Str.outbox_next_attempt, timeOnly(it)) } ?: ""
                Text(str(Str.outbox_attempts, item.attempts) + next, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            failed?.let {
                Text(failureText(it.reason), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodyMedium)
                if (!it.retryable) Text(str(Str.outbox_failed_hint), style = MaterialTheme.typography.bodySmall)
            }
            if (item.canRetry || item.canCancel) {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    if (item.canRetry) {
                        OutlinedButton(onClick = { onEvent(OutboxEvent.Retry(item.clientId)) }, modifier = Modifier.weight(1f).heightIn(min = MinTouch)) {
                            Icon(Icons.Filled.Refresh, contentDescription = null); Spacer(Modifier.width(6.dp)); Text(str(Str.action_retry))
                        }
                    }
                    if (item.canCancel) {
                        OutlinedButton(onClick = { onEvent(OutboxEvent.Cancel(item.clientId)) }, modifier = Modifier.weight(1f).heightIn(min = MinTouch)) {
                            Text(str(Str.outbox_cancel), color = MaterialTheme.colorScheme.error)
                        }
                    }
                }
            }
        }
    }
}
