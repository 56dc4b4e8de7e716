package vn.phananh.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.NoticeItem
import vn.phananh.ui.state.NoticeLevel
import vn.phananh.ui.state.NoticesEvent
import vn.phananh.ui.state.NoticesState

/** The province's notices where the resident is: severity as a word and an icon, validity, offline note. */
@Composable
fun NoticesScreen(state: NoticesState, onEvent: (NoticesEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.notices_title), onBack = { onEvent(NoticesEvent.Back) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth())
            state.error?.let { ErrorBanner(it, onRetry = { onEvent(NoticesEvent.Refresh) }) }
            if (state.fromCache) state.fetchedAt?.let { InfoBanner(str(Str.notices_from_cache, dateTime(it))) }
            if (state.withoutPosition) Text(str(Str.notices_without_position), style = MaterialTheme.typography.bodyMedium)
            if (!state.loading && state.error == null && state.items.isEmpty()) Text(str(Str.notices_empty), style = MaterialTheme.typography.bodyLarge)
            state.items.forEach { NoticeCard(it) }
        }
    }
}

@Composable
private fun NoticeCard(n: NoticeItem) {
    // Light cards in both themes with dark text; the level is also a word and an icon.
    val (bg, fg, word) = when (n.level) {
        NoticeLevel.SEVERE -> Triple(Color(0xFFFDE2E1), Color(0xFF7A1010), str(Str.notices_level_severe))
        NoticeLevel.WARNING -> Triple(Color(0xFFFFF4D6), Color(0xFF5A3E00), str(Str.notices_level_warning))
        NoticeLevel.INFO -> Triple(Color(0xFFE3EEFB), Color(0xFF0D3A66), str(Str.notices_level_info))
    }
    Card(colors = CardDefaults.cardColors(containerColor = bg, contentColor = fg), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Icon(if (n.level == NoticeLevel.INFO) Icons.Filled.Info else Icons.Filled.Warning, contentDescription = null, tint = fg)
                Spacer(Modifier.width(8.dp))
                Text(word + " · " + str(if (n.provinceWide) Str.notices_province_wide else Str.notices_your_area), style = MaterialTheme.typography.labelLarge)
            }
            Text(n.title, style = MaterialTheme.typography.titleMedium)
            Text(n.body, style = MaterialTheme.typography.bodyMedium)
            Text(
                n.validTo?.let { str(Str.notices_valid_from_to, dateTime(n.validFrom), dateTime(it)) } ?: str(Str.notices_valid_from, dateTime(n.validFrom)),
                style = MaterialTheme.typography.bodySmall,
            )
        }
    }
}
