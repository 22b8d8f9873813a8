// MyBlog.com front end. The API is served under this site's own origin through CloudFront
// (behaviours for /posts*, /subscribers and /photos*), so calls are relative and cacheable.
"use strict";

const $ = (id) => document.getElementById(id);

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json", ...headers } : headers,
    body: body ? JSON.stringify(body) : undefined,
  });
  const value = await response.json();
  if (!response.ok) throw new Error(value.message || response.statusText);
  return value;
}

async function showPosts() {
  const { posts } = await api("GET", "posts");
  const list = $("post-list");
  list.replaceChildren(...posts.map((post) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `#${post.id}`;
    link.textContent = post.title;
    link.onclick = () => showPost(post.id);
    const excerpt = document.createElement("p");
    excerpt.textContent = post.excerpt;
    item.append(link, excerpt);
    return item;
  }));
  list.dataset.loaded = String(posts.length);
}

async function showPost(id) {
  const post = await api("GET", `posts/${encodeURIComponent(id)}`);
  const article = $("post");
  const title = document.createElement("h2");
  title.textContent = post.title;
  const text = document.createElement("p");
  text.textContent = post.body;
  article.replaceChildren(title, text);
  article.hidden = false;
}

$("subscribe-form").onsubmit = async (event) => {
  event.preventDefault();
  const email = event.target.email.value;
  try {
    await api("POST", "subscribers", { email });
    $("subscribe-status").textContent = `Subscribed ${email}: a welcome email is on its way.`;
  } catch (error) {
    $("subscribe-status").textContent = `Could not subscribe: ${error.message}`;
  }
};

$("post-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const post = await api("POST", "posts", { title: form.title.value, body: form.body.value },
      { "x-api-key": form.apiKey.value });
    $("post-status").textContent = `Published "${post.title}".`;
    await showPosts();
  } catch (error) {
    $("post-status").textContent = `Could not publish: ${error.message}`;
  }
};

$("photo-form").onsubmit = async (event) => {
  event.preventDefault();
  const file = event.target.photo.files[0];
  const status = $("photo-status");
  try {
    const { id, upload } = await api("POST", "photos");
    const form = new FormData();
    Object.entries(upload.fields).forEach(([name, value]) => form.append(name, value));
    form.append("file", file);
    const sent = await fetch(upload.url, { method: "POST", body: form });
    if (!sent.ok) throw new Error(`upload refused (${sent.status})`);
    status.textContent = "Uploaded; making a thumbnail…";
    await waitForThumbnail(id);
  } catch (error) {
    status.textContent = `Upload failed: ${error.message}`;
  }
};

async function waitForThumbnail(id) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const photo = await api("GET", `photos/${id}`);
    if (photo.status === "ready") {
      const image = $("thumbnail");
      image.src = photo.thumbnailUrl;
      image.hidden = false;
      $("photo-status").textContent = "Thumbnail ready.";
      return;
    }
    if (photo.status === "failed") {
      $("photo-status").textContent = "That file is not an image.";
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  $("photo-status").textContent = "The thumbnail is taking too long.";
}

showPosts().catch((error) => { $("post-list").textContent = `Could not load posts: ${error.message}`; });
