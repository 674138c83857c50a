"""The banner's fixed strings in the languages the product ships, used where a site leaves a text empty."""

# Each language's own quotation marks are the right ones here.
# ruff: noqa: RUF001

from typing import Final

# Keys are BannerText fields (without `_label`), plus `receipt_link`, which is not edited per site.
STOCK: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title": "We value your privacy",
        "body": "We use cookies and similar technologies for the purposes below. You can accept all, reject all "
        "or choose, and change your mind at any time.",
        "accept_all": "Accept all",
        "reject_all": "Reject all",
        "customize": "Customize",
        "save": "Save my choices",
        "close": "Close",
        "preferences_title": "Privacy preferences",
        "policy_link": "Privacy policy",
        "settings_link": "Cookie settings",
        "always_on": "Always on",
        "objection": "Based on our legitimate interests. You may object at any time.",
        "gpc_notice": "Your browser sent a Global Privacy Control signal, so purposes that would be a "
        '"sale" or "sharing" are off.',
        "receipt_link": "Download the record of my choice",
    },
    "ja": {
        "title": "プライバシーを尊重します",
        "body": "当サイトは以下の目的でクッキーや類似の技術を使用します。すべて許可、すべて拒否、または個別に選択でき、"
        "いつでも変更できます。",
        "accept_all": "すべて許可",
        "reject_all": "すべて拒否",
        "customize": "カスタマイズ",
        "save": "設定を保存",
        "close": "閉じる",
        "preferences_title": "プライバシー設定",
        "policy_link": "プライバシーポリシー",
        "settings_link": "クッキー設定",
        "always_on": "常に有効",
        "objection": "正当な利益に基づきます。いつでも異議を申し立てることができます。",
        "gpc_notice": "グローバル・プライバシー・コントロールの信号を受け取ったため、"
        "販売・共有に当たる目的はオフになっています。",
        "receipt_link": "選択の記録をダウンロード",
    },
    "de": {
        "title": "Wir respektieren Ihre Privatsphäre",
        "body": "Wir verwenden Cookies und ähnliche Technologien für die unten genannten Zwecke. Sie können alle "
        "akzeptieren, alle ablehnen oder auswählen und Ihre Wahl jederzeit ändern.",
        "accept_all": "Alle akzeptieren",
        "reject_all": "Alle ablehnen",
        "customize": "Anpassen",
        "save": "Auswahl speichern",
        "close": "Schließen",
        "preferences_title": "Datenschutzeinstellungen",
        "policy_link": "Datenschutzerklärung",
        "settings_link": "Cookie-Einstellungen",
        "always_on": "Immer aktiv",
        "objection": "Auf Grundlage unseres berechtigten Interesses. Sie können jederzeit widersprechen.",
        "gpc_notice": "Ihr Browser hat ein Global-Privacy-Control-Signal gesendet; Zwecke, die ein „Verkauf“ "
        "oder eine „Weitergabe“ wären, sind deaktiviert.",
        "receipt_link": "Nachweis meiner Auswahl herunterladen",
    },
    "fr": {
        "title": "Nous respectons votre vie privée",
        "body": "Nous utilisons des cookies et des technologies similaires pour les finalités ci-dessous. Vous "
        "pouvez tout accepter, tout refuser ou choisir, et changer d’avis à tout moment.",
        "accept_all": "Tout accepter",
        "reject_all": "Tout refuser",
        "customize": "Personnaliser",
        "save": "Enregistrer mes choix",
        "close": "Fermer",
        "preferences_title": "Préférences de confidentialité",
        "policy_link": "Politique de confidentialité",
        "settings_link": "Paramètres des cookies",
        "always_on": "Toujours actif",
        "objection": "Fondé sur notre intérêt légitime. Vous pouvez vous y opposer à tout moment.",
        "gpc_notice": "Votre navigateur a envoyé un signal Global Privacy Control : les finalités qui seraient "
        "une « vente » ou un « partage » sont désactivées.",
        "receipt_link": "Télécharger la preuve de mon choix",
    },
    "es": {
        "title": "Respetamos su privacidad",
        "body": "Usamos cookies y tecnologías similares para los fines indicados abajo. Puede aceptar todo, "
        "rechazar todo o elegir, y cambiar de opinión en cualquier momento.",
        "accept_all": "Aceptar todo",
        "reject_all": "Rechazar todo",
        "customize": "Personalizar",
        "save": "Guardar mis opciones",
        "close": "Cerrar",
        "preferences_title": "Preferencias de privacidad",
        "policy_link": "Política de privacidad",
        "settings_link": "Configuración de cookies",
        "always_on": "Siempre activo",
        "objection": "Basado en nuestro interés legítimo. Puede oponerse en cualquier momento.",
        "gpc_notice": "Su navegador envió una señal Global Privacy Control, por lo que los fines que serían "
        "una «venta» o «cesión» están desactivados.",
        "receipt_link": "Descargar el registro de mi elección",
    },
    "it": {
        "title": "Rispettiamo la tua privacy",
        "body": "Utilizziamo cookie e tecnologie simili per le finalità indicate sotto. Puoi accettare tutto, "
        "rifiutare tutto o scegliere, e cambiare idea in qualsiasi momento.",
        "accept_all": "Accetta tutto",
        "reject_all": "Rifiuta tutto",
        "customize": "Personalizza",
        "save": "Salva le mie scelte",
        "close": "Chiudi",
        "preferences_title": "Preferenze sulla privacy",
        "policy_link": "Informativa sulla privacy",
        "settings_link": "Impostazioni dei cookie",
        "always_on": "Sempre attivo",
        "objection": "Basato sul nostro legittimo interesse. Puoi opporti in qualsiasi momento.",
        "gpc_notice": "Il tuo browser ha inviato un segnale Global Privacy Control: le finalità che sarebbero "
        "una «vendita» o una «condivisione» sono disattivate.",
        "receipt_link": "Scarica la prova della mia scelta",
    },
    "nl": {
        "title": "Wij respecteren uw privacy",
        "body": "Wij gebruiken cookies en vergelijkbare technieken voor de doelen hieronder. U kunt alles "
        "accepteren, alles weigeren of kiezen, en uw keuze altijd wijzigen.",
        "accept_all": "Alles accepteren",
        "reject_all": "Alles weigeren",
        "customize": "Aanpassen",
        "save": "Mijn keuzes opslaan",
        "close": "Sluiten",
        "preferences_title": "Privacyvoorkeuren",
        "policy_link": "Privacyverklaring",
        "settings_link": "Cookie-instellingen",
        "always_on": "Altijd aan",
        "objection": "Op basis van ons gerechtvaardigd belang. U kunt op elk moment bezwaar maken.",
        "gpc_notice": "Uw browser stuurde een Global Privacy Control-signaal; doelen die een ‘verkoop’ of "
        "‘delen’ zouden zijn, staan uit.",
        "receipt_link": "Bewijs van mijn keuze downloaden",
    },
    "pt": {
        "title": "Respeitamos a sua privacidade",
        "body": "Usamos cookies e tecnologias semelhantes para as finalidades abaixo. Pode aceitar tudo, "
        "rejeitar tudo ou escolher, e mudar de ideia a qualquer momento.",
        "accept_all": "Aceitar tudo",
        "reject_all": "Rejeitar tudo",
        "customize": "Personalizar",
        "save": "Guardar as minhas escolhas",
        "close": "Fechar",
        "preferences_title": "Preferências de privacidade",
        "policy_link": "Política de privacidade",
        "settings_link": "Definições de cookies",
        "always_on": "Sempre ativo",
        "objection": "Com base no nosso interesse legítimo. Pode opor-se a qualquer momento.",
        "gpc_notice": "O seu navegador enviou um sinal Global Privacy Control, por isso as finalidades que "
        "seriam uma «venda» ou «partilha» estão desativadas.",
        "receipt_link": "Descarregar o registo da minha escolha",
    },
    "pl": {
        "title": "Szanujemy Twoją prywatność",
        "body": "Używamy plików cookie i podobnych technologii w celach opisanych poniżej. Możesz zaakceptować "
        "wszystkie, odrzucić wszystkie lub wybrać, i zmienić zdanie w dowolnej chwili.",
        "accept_all": "Akceptuj wszystkie",
        "reject_all": "Odrzuć wszystkie",
        "customize": "Dostosuj",
        "save": "Zapisz moje wybory",
        "close": "Zamknij",
        "preferences_title": "Ustawienia prywatności",
        "policy_link": "Polityka prywatności",
        "settings_link": "Ustawienia plików cookie",
        "always_on": "Zawsze włączone",
        "objection": "Na podstawie naszego prawnie uzasadnionego interesu. Możesz w każdej chwili wnieść sprzeciw.",
        "gpc_notice": "Twoja przeglądarka wysłała sygnał Global Privacy Control, więc cele będące „sprzedażą” "
        "lub „udostępnianiem” są wyłączone.",
        "receipt_link": "Pobierz zapis mojego wyboru",
    },
    "sv": {
        "title": "Vi värnar om din integritet",
        "body": "Vi använder kakor och liknande tekniker för ändamålen nedan. Du kan godkänna alla, neka alla "
        "eller välja, och ändra dig när som helst.",
        "accept_all": "Godkänn alla",
        "reject_all": "Neka alla",
        "customize": "Anpassa",
        "save": "Spara mina val",
        "close": "Stäng",
        "preferences_title": "Integritetsinställningar",
        "policy_link": "Integritetspolicy",
        "settings_link": "Inställningar för kakor",
        "always_on": "Alltid på",
        "objection": "Grundat på vårt berättigade intresse. Du kan invända när som helst.",
        "gpc_notice": "Din webbläsare skickade en Global Privacy Control-signal, så ändamål som vore en "
        "”försäljning” eller ”delning” är avstängda.",
        "receipt_link": "Ladda ner beviset på mitt val",
    },
}


def stock_text(*, locale: str, key: str) -> str | None:
    """Return the product's own string for a locale (or its primary language), or None when not shipped."""
    for tag in (locale, locale.split("-")[0]):
        if (texts := STOCK.get(tag.lower())) and key in texts:
            return texts[key]
    return None
