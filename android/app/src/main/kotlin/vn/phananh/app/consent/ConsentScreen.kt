package vn.phananh.app.consent

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import vn.phananh.ui.PhanAnhTopBar
import vn.phananh.core.privacyNoticeVersion
import vn.phananh.ui.PrimaryButton

/** The privacy notice, shown on first start and again whenever its version changes. */
object PrivacyNotice {
    /**
     * The notice's version is the core's (`privacy_notice_version()`): the core sends it with
     * every sign-in and the server records it, so what is shown here is what the server keeps.
     * Raise it in the core (`PRIVACY_NOTICE_VERSION`) when the text of consent_body changes:
     * everyone is asked again. It is a whole number, compared with the one agreed to.
     */
    val VERSION: Int by lazy {
        val v = privacyNoticeVersion()
        checkNotNull(v.toIntOrNull()) { "the core's privacy notice version is not a whole number: $v" }
    }
}

class ConsentTexts(val title: String, val body: String, val version: String, val accept: String)

@Composable
fun ConsentScreen(texts: ConsentTexts, onAccept: () -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(texts.title) }) { padding ->
        Column(
            Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(20.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text(texts.body, style = MaterialTheme.typography.bodyLarge)
            Text(texts.version, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            PrimaryButton(texts.accept, onClick = onAccept)
        }
    }
}
