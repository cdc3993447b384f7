// The demo phone: shows the chat as the emulator holds it and sends what the person taps/types.
"use strict";

(function () {
  const phone = document.getElementById("phone");
  const telegramId = phone.dataset.telegramId;
  const chat = document.getElementById("chat");
  const startArea = document.getElementById("start-area");
  const hint = document.getElementById("hint");
  let version = -1;

  async function act(action, body) {
    const response = await fetch(`/demo/api/users/${telegramId}/${action}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      hint.textContent = problem.error || "Dat lukte niet.";
    } else {
      hint.textContent = "";
    }
  }

  function bubble(message) {
    const item = document.createElement("li");
    item.className = `bubble ${message.sender === "bot" ? "from-bot" : "from-me"}`;
    item.dataset.messageId = message.message_id;
    const text = document.createElement("p");
    text.dir = "auto";
    text.textContent = message.text || message.caption || `[${message.kind}]`;
    item.appendChild(text);
    for (const row of message.buttons || []) {
      const line = document.createElement("div");
      line.className = "buttons";
      for (const button of row) {
        const tap = document.createElement("button");
        tap.type = "button";
        tap.dir = "auto";
        tap.textContent = button.text;
        if (button.url) {
          tap.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
        } else {
          tap.addEventListener("click", () =>
            act("tap", { message_id: message.message_id, data: button.callback_data }));
        }
        line.appendChild(tap);
      }
      item.appendChild(line);
    }
    return item;
  }

  function render(view) {
    const messages = view.messages.filter((m) => !m.deleted);
    chat.replaceChildren(...messages.map(bubble));
    startArea.hidden = messages.length > 0;
    chat.lastElementChild?.scrollIntoView({ block: "end" });
  }

  async function follow() {
    for (;;) {
      try {
        const response = await fetch(`/demo/api/chats/${telegramId}?since=${version}`);
        const view = await response.json();
        version = view.version;
        render(view);
      } catch (error) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  }

  document.getElementById("start").addEventListener("click", () => act("start"));
  document.getElementById("sticker").addEventListener("click", () => act("sticker"));
  document.getElementById("checkin")?.addEventListener("click", () => act("checkin"));
  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("message");
    const text = input.value.trim();
    if (text) {
      act("text", { text });
      input.value = "";
    }
  });
  follow();
})();
