package ap

// AICrawlers are the user agents of crawlers that collect text and images to
// train AI models. While the AI-training reservation is on, /robots.txt
// disallows every one of them; search engines stay allowed.
//
// This is the one maintained list: add a crawler here (its robots.txt
// product token, as its operator documents it) and every page follows.
var AICrawlers = []string{
	"GPTBot",             // OpenAI, training
	"ChatGPT-User",       // OpenAI, fetches for ChatGPT
	"CCBot",              // Common Crawl, the source of most training sets
	"Google-Extended",    // Google's token for Gemini training (Googlebot stays allowed)
	"Applebot-Extended",  // Apple's token for model training (Applebot stays allowed)
	"ClaudeBot",          // Anthropic
	"Claude-Web",         // Anthropic
	"anthropic-ai",       // Anthropic
	"PerplexityBot",      // Perplexity
	"Bytespider",         // ByteDance
	"meta-externalagent", // Meta, training
	"FacebookBot",        // Meta, language models
	"cohere-ai",          // Cohere
	"cohere-training-data-crawler",
	"Diffbot",         // Diffbot knowledge graph
	"ImagesiftBot",    // image scraping
	"img2dataset",     // the image data set downloader
	"Omgilibot",       // Webz.io, data sets
	"Webzio-Extended", // Webz.io, AI use
	"Timpibot",        // Timpi
	"YouBot",          // You.com
	"AI2Bot",          // Allen Institute
	"Ai2Bot-Dolma",    // Allen Institute, the Dolma data set
	"Amazonbot",       // Amazon, used for model training
	"Kangaroo Bot",    // Kangaroo LLM
	"PanguBot",        // Huawei, model training
}
