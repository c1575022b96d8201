// The small built-in English text the tokenizer learns its first BPE merges from, so common
// words and word pieces become single tokens as in a real vocabulary. Original text.

export const BPE_CORPUS = `
The quick brown fox jumps over the lazy dog. A job service for text generation takes requests
from many clients at the same time, puts them in a queue with a priority, and answers each one
with an id right away. Workers take the jobs from the queue and run the model in batches, one
step at a time, so that many sequences share the same forward pass. When a sequence is finished
it leaves the batch, and a new one joins in its place. This is called continuous batching.

It was a bright and windy morning in the small town by the river. The market opened early, and
the people came with baskets of bread, apples, cheese and fresh fish. Children were running
between the stalls while their parents talked about the weather, the price of wheat, and the
news from the city. An old man sat on a bench near the bridge and read his newspaper slowly.

How do you make a good cup of tea? First, boil the water and warm the pot. Then put in one spoon
of tea for each person and one for the pot. Pour the water over the leaves and wait for three or
four minutes. Some people like to add milk and sugar; others prefer lemon or honey. There is no
wrong answer, only the one that you enjoy the most.

Please write a short summary of the following document. The report describes the results of the
second quarter: sales increased by twelve percent, costs were stable, and the team hired four new
engineers. The company plans to open an office in another country next year, and it expects the
number of customers to grow steadily. Questions about the report should be sent to the finance
department before the end of the month.

Hello! Can you help me with my homework? I need to explain why the sky is blue. Sure, I can help.
Sunlight is made of many colors. When it passes through the air, the short blue waves are
scattered much more than the long red waves, so we see blue light coming from every direction of
the sky. At sunset the light travels through more air, and the sky turns orange and red.

user: What is the capital of France? assistant: The capital of France is Paris.
user: Translate "good night" into Spanish. assistant: "Buenas noches."
user: List three prime numbers. assistant: 2, 3, 5 and 7 are all prime numbers.
system: You are a helpful assistant. Answer clearly and briefly, and say when you do not know.

In 2024 the library had 1,250 books, 310 maps and 48 old letters. Each item has a number, a
title, a date and a short description. The data is stored in a database, and every night a
script makes a backup. If something goes wrong, the backup can be restored within an hour.
Errors are logged, retried three times, and then reported to the person who is on call.
`;
